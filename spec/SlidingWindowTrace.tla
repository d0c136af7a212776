------------------------- MODULE SlidingWindowTrace -------------------------
(***************************************************************************)
(* Trace validation of the reference reliable endpoint (src/Reference,    *)
(* ReliableEndpoint) against SlidingWindow: does the spec allow the NDJSON *)
(* trace named by the environment variable VIPC_TRACE?  The traced run is  *)
(* a one-way transfer: the endpoint that sends data is the spec's end A    *)
(* (the proc of the trace's sender-role events), its peer is end B, which  *)
(* sends acknowledgements only (NB = 0), over a link that loses,           *)
(* duplicates and reorders (the in-process FaultyLink, not traced: its     *)
(* faults are the spec's silent Lose and Duplicate steps).                 *)
(*                                                                         *)
(* Numbering: the implementation counts messages from 0 and its cumulative *)
(* ack a means "I have every message below a"; the spec counts from 1 and  *)
(* its ack is the next message expected.  So implementation seq s is spec  *)
(* message s + 1 and implementation ack a is the spec's ack field a + 1.   *)
(*                                                                         *)
(* What the endpoint logs, and what each event stands for:                 *)
(*   Send s          A sends message s for the first time (Send(A))        *)
(*   Retransmit s    A sends s again.  The spec (go-back-N) resends only   *)
(*                   its oldest unacknowledged message, on Timeout(A); the *)
(*                   implementation also repairs holes above it (selective *)
(*                   repeat).  Mapped as: s lies in A's window, and either *)
(*                   the packet is still in flight in the spec's link (the *)
(*                   link is a set, so sending it again changes nothing:   *)
(*                   the spec's run is the one where the earlier copy was  *)
(*                   not lost), or s is the oldest and this is Timeout(A). *)
(*   Timeout s, GiveUp s   A's timer for its oldest message s: no step;    *)
(*                   s must be outstanding and the oldest.                 *)
(*   AckReceived a   A takes in an ack that slides its window to a: the    *)
(*                   link delivers B's bare ack [seq 0, ack a + 1] to A    *)
(*                   (Deliver or Duplicate).  Acks that slide nothing are  *)
(*                   not logged; in the spec they are lost (Lose).         *)
(*   Deliver s       B hands s to its application: the link delivers A's   *)
(*                   data packet s to B, which is next in sequence.        *)
(*   DiscardDuplicate s   B drops data s it already has (delivered, or     *)
(*                   held out of order): the link delivers s, not next in  *)
(*                   sequence, and B owes an ack.                          *)
(*   Ack a           B sends its cumulative ack a (Ack(B)): a must be       *)
(*                   everything B has delivered, and B must owe an ack.    *)
(* Silent steps (not logged): the link's Lose of any packet, and B taking  *)
(* in a data packet beyond the next expected one, which the implementation *)
(* holds in its receive buffer (selective repeat) or drops as out of       *)
(* window without a log line: the spec's Duplicate(B, p), which drops it   *)
(* as out of order, keeps the packet in the link for its later Deliver,    *)
(* and makes B owe an ack.  The implementation's selective-ack bitmap is   *)
(* not in the trace (it only steers which messages A repairs, and every    *)
(* repair is mapped as above); a negative ack is logged as the Ack it     *)
(* carries (its list of holes only steers repairs).  A nack leaves B's     *)
(* earlier ack owed; the spec owes it again by B taking in the held        *)
(* out-of-order packet once more (the silent step).                        *)
(* Rejected: a second data sender, link events (Drop, Duplicate).          *)
(***************************************************************************)
EXTENDS SlidingWindow, Json, IOUtils, Naturals, Sequences, FiniteSets

Trace == ndJsonDeserialize(IOEnv.VIPC_TRACE)

Has(e, f) == f \in DOMAIN e
RoleIs(e, r) == Has(e, "role") /\ e.role = r
MaxOf(S) == CHOOSE m \in S : \A n \in S : n <= m

SenderEvents == {j \in 1..Len(Trace) : RoleIs(Trace[j], "sender")}
SenderProcs == {Trace[i].proc : i \in SenderEvents}
\* The data sender: end A.  A trace with no sender event has none.
ProcA == IF SenderProcs = {} THEN "none" ELSE CHOOSE p \in SenderProcs : TRUE

SendSeqs == {Trace[i].seq : i \in {j \in SenderEvents : Trace[j].kind = "Send" /\ Has(Trace[j], "seq")}}
\* Messages A sends: one more than the highest sequence number it sent.
TraceNA == IF SendSeqs = {} THEN 0 ELSE MaxOf(SendSeqs) + 1
\* The window is not logged: VIPC_WINDOW when set; else the most messages
\* A ever had outstanding when it sent one (a window-overrunning sender
\* then looks like one with a larger window: set VIPC_WINDOW to judge it).
AckBefore(i) ==
  MaxOf({Trace[j].ack + 1 : j \in {k \in SenderEvents : k < i /\ Trace[k].kind = "AckReceived"}} \cup {1})
TraceW ==
  IF "VIPC_WINDOW" \in DOMAIN IOEnv THEN atoi(IOEnv.VIPC_WINDOW)
  ELSE MaxOf({Trace[i].seq + 2 - AckBefore(i) : i \in {j \in SenderEvents : Trace[j].kind = "Send"}} \cup {1})
\* Room for every distinct packet of a one-way transfer: A's data packets
\* (their piggy-backed ack is always 1) and B's bare acks 1..NA+1, so the
\* spec's link never has to drop a packet the implementation's still holds.
TraceLinkCapacity == TraceNA + 1

VARIABLE l  \* the cursor: number of the next event to match

TraceInit == /\ l = 1
             /\ Init

\* The event at the cursor is of kind k (reads the cursor alone, so the
\* validator evaluates it once per event).
IsEvent(k) == /\ l <= Len(Trace)
              /\ Trace[l].kind = k
Advance == l' = l + 1
E == Trace[l]
ByA == E.proc = ProcA
ByB == E.proc /= ProcA /\ RoleIs(E, "receiver")

SendEvent ==
  /\ IsEvent("Send")
  /\ Advance
  /\ ByA
  /\ E.seq + 1 = nxt["A"]
  /\ Send("A")

RetransmitEvent ==
  /\ IsEvent("Retransmit")
  /\ Advance
  /\ ByA
  /\ base["A"] <= E.seq + 1 /\ E.seq + 1 < nxt["A"]
  /\ \/ /\ [seq |-> E.seq + 1, ack |-> AckOf("A")] \in net["A"]
        /\ UNCHANGED vars
     \/ /\ E.seq + 1 = base["A"]
        /\ Timeout("A")

\* A's timer for its oldest outstanding message (and the retry bound).
TimerEvent ==
  /\ IsEvent("Timeout") \/ IsEvent("GiveUp")
  /\ Advance
  /\ ByA
  /\ E.seq + 1 = base["A"] /\ base["A"] < nxt["A"]
  /\ UNCHANGED vars

AckReceivedEvent ==
  /\ IsEvent("AckReceived")
  /\ Advance
  /\ ByA
  /\ E.ack + 1 > base["A"]
  /\ LET p == [seq |-> 0, ack |-> E.ack + 1] IN
       /\ p \in net["B"]
       /\ Deliver("A", p) \/ Duplicate("A", p)

DeliverEvent ==
  /\ IsEvent("Deliver")
  /\ Advance
  /\ ByB
  /\ E.seq + 1 = Len(got["B"]) + 1
  /\ \E p \in net["A"] : p.seq = E.seq + 1 /\ (Deliver("B", p) \/ Duplicate("B", p))

DiscardEvent ==
  /\ IsEvent("DiscardDuplicate")
  /\ Advance
  /\ ByB
  /\ E.seq + 1 /= Len(got["B"]) + 1
  /\ \E p \in net["A"] : p.seq = E.seq + 1 /\ (Deliver("B", p) \/ Duplicate("B", p))

AckEvent ==
  /\ IsEvent("Ack")
  /\ Advance
  /\ ByB
  /\ E.ack + 1 = AckOf("B")
  /\ Ack("B")

SilentStep ==
  /\ \/ \E e \in Ends : \E p \in net[e] : Lose(e, p)
     \/ \E p \in net["A"] : p.seq > Len(got["B"]) + 1 /\ ~ackOwed["B"] /\ Duplicate("B", p)
  /\ UNCHANGED l

TraceNext ==
  \/ SendEvent \/ RetransmitEvent \/ TimerEvent \/ AckReceivedEvent
  \/ DeliverEvent \/ DiscardEvent \/ AckEvent
  \/ SilentStep
=============================================================================
