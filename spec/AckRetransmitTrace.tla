------------------------- MODULE AckRetransmitTrace -------------------------
(***************************************************************************)
(* Trace validation of the reference reliable endpoint (src/Reference,    *)
(* ReliableEndpoint) with a window of one message -- stop-and-wait --     *)
(* against AckRetransmit: does the spec allow the NDJSON trace named by   *)
(* the environment variable VIPC_TRACE?  A one-way transfer: the endpoint *)
(* that sends data (the proc of the sender-role events) is the spec's     *)
(* sender, its peer the receiver, over a link that loses, duplicates and  *)
(* reorders (not traced: the spec's silent Lose and Duplicate).  Windows  *)
(* above one are SlidingWindowTrace's.                                    *)
(*                                                                         *)
(* Numbering: implementation seq s is spec message s + 1.  The            *)
(* implementation's ack a is cumulative ("every message below a"); with a *)
(* window of one it is the number of the last message delivered, so it is *)
(* the spec's ack packet a.                                               *)
(*                                                                         *)
(* Events, each one spec step or none:                                    *)
(*   Send s           Send, with s + 1 the next message                   *)
(*   Retransmit s     Timeout: s is the outstanding message (the spec's   *)
(*                    timer may fire early, so a repair after duplicate   *)
(*                    acks or by the loss probe is also this step)        *)
(*   Timeout s, GiveUp s   the timer of outstanding message s: no step     *)
(*   AckReceived a    Ack(a) completing the outstanding message a         *)
(*   Deliver s        Receive(s + 1), s + 1 next in sequence              *)
(*   DiscardDuplicate s   Receive(s + 1) of a message already delivered   *)
(*   Ack a            no step: the spec's receiver puts its ack packet in *)
(*                    Receive; the implementation's ack (sent then, or    *)
(*                    delayed and bundled) must name everything delivered *)
(*                    -- the spec only ever acknowledges what it has.     *)
(*                    After a stale duplicate the implementation answers  *)
(*                    with its cumulative position, the spec with the     *)
(*                    duplicate's own number; the cumulative one is the   *)
(*                    ack packet of the last delivery, already put.       *)
(* Silent steps: the link's Lose and Duplicate of any packet, and the     *)
(* sender taking in an ack that completes nothing (the implementation     *)
(* ignores it unlogged; in the spec it retransmits on it, a copy the link *)
(* may lose).                                                             *)
(***************************************************************************)
EXTENDS AckRetransmit, Json, IOUtils, Naturals, Sequences, FiniteSets

Trace == ndJsonDeserialize(IOEnv.VIPC_TRACE)

Has(e, f) == f \in DOMAIN e
RoleIs(e, r) == Has(e, "role") /\ e.role = r
MaxOf(S) == CHOOSE m \in S : \A n \in S : n <= m

SenderEvents == {j \in 1..Len(Trace) : RoleIs(Trace[j], "sender")}
SenderProcs == {Trace[i].proc : i \in SenderEvents}
ProcA == IF SenderProcs = {} THEN "none" ELSE CHOOSE p \in SenderProcs : TRUE
SendSeqs == {Trace[i].seq : i \in {j \in SenderEvents : Trace[j].kind = "Send" /\ Has(Trace[j], "seq")}}
\* Messages the sender sends (at least one: the spec assumes N > 0).
TraceN == IF SendSeqs = {} THEN 1 ELSE MaxOf(SendSeqs) + 1

VARIABLE l  \* the cursor: number of the next event to match

TraceInit == /\ l = 1
             /\ Init

IsEvent(k) == /\ l <= Len(Trace)
              /\ Trace[l].kind = k
Advance == l' = l + 1
E == Trace[l]
BySender == E.proc = ProcA
ByReceiver == E.proc /= ProcA /\ RoleIs(E, "receiver")
Outstanding(i) == i = sent /\ sent > acked

SendEvent ==
  /\ IsEvent("Send")
  /\ Advance
  /\ BySender
  /\ E.seq + 1 = sent + 1
  /\ Send

RetransmitEvent ==
  /\ IsEvent("Retransmit")
  /\ Advance
  /\ BySender
  /\ Outstanding(E.seq + 1)
  /\ Timeout

TimerEvent ==
  /\ IsEvent("Timeout") \/ IsEvent("GiveUp")
  /\ Advance
  /\ BySender
  /\ Outstanding(E.seq + 1)
  /\ UNCHANGED vars

AckReceivedEvent ==
  /\ IsEvent("AckReceived")
  /\ Advance
  /\ BySender
  /\ E.ack \in 1..N
  /\ Outstanding(E.ack)
  /\ Ack(E.ack)

DeliverEvent ==
  /\ IsEvent("Deliver")
  /\ Advance
  /\ ByReceiver
  /\ E.seq + 1 = Rcvd + 1
  /\ E.seq + 1 \in 1..N
  /\ Receive(E.seq + 1)

DiscardEvent ==
  /\ IsEvent("DiscardDuplicate")
  /\ Advance
  /\ ByReceiver
  /\ E.seq + 1 \in 1..Rcvd
  /\ Receive(E.seq + 1)

AckEvent ==
  /\ IsEvent("Ack")
  /\ Advance
  /\ ByReceiver
  /\ E.ack = Rcvd
  /\ UNCHANGED vars

SilentStep ==
  /\ \/ \E p \in Packets : Lose(p) \/ Duplicate(p)
     \/ \E i \in 1..N : ~Outstanding(i) /\ Ack(i)
  /\ UNCHANGED l

TraceNext ==
  \/ SendEvent \/ RetransmitEvent \/ TimerEvent \/ AckReceivedEvent
  \/ DeliverEvent \/ DiscardEvent \/ AckEvent
  \/ SilentStep
=============================================================================
