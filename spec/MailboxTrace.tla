---------------------------- MODULE MailboxTrace ----------------------------
(***************************************************************************)
(* Trace validation of the reference mailbox (src/Reference, Mailbox with *)
(* MailboxPolicy.ArbitraryReceiver) against Mailbox, policy "arbitrary": *)
(* does the spec allow the NDJSON trace named by IOEnv.VIPC_TRACE?        *)
(*                                                                         *)
(* The implementation numbers messages with one sequence per mailbox      *)
(* (`seq`, and `msg` = [sender, seq]); the spec numbers each sender's     *)
(* messages 1, 2, ...  The variable seqOf records which logged sequence   *)
(* number each spec message got when its Send was matched, so a later    *)
(* Receive, Deliver or HandBack names a spec message exactly.             *)
(*                                                                         *)
(* Events, each one spec step or none:                                    *)
(*   Open (p)              Open(p), accepted (a refused Open throws and   *)
(*                         is not logged).                                *)
(*   Send (s)              the message leaves s.  When the next event is  *)
(*                         a Deliver of the same message, a receiver was  *)
(*                         waiting: Deliver(s, r) with r that event's     *)
(*                         process; otherwise Send(s) into the buffer.    *)
(*   Deliver (r)           confirms the hand-over matched at its Send: no *)
(*                         step.                                          *)
(*   Receive (r)           Receive(r): r takes the oldest message, which  *)
(*                         must be the logged one.                        *)
(*   ReceiveBlocked (r)    ReceiveBlocked(r).                             *)
(*   HandBack (closer)     the last Close disposing of the mailbox logs   *)
(*                         each returned message before its Close event:  *)
(*                         the first HandBack takes the closer's          *)
(*                         Close(p), each HandBack checks one returned    *)
(*                         message, and the Close event after them is no  *)
(*                         step.                                          *)
(*   Close (p)             Close(p), handing nothing back.                *)
(* SendBlocked, Abort and handler events are outside this spec (its       *)
(* buffer is unbounded and it has no cancellation or subscriptions) and   *)
(* are rejected: traced workloads use a capacity they never reach.        *)
(***************************************************************************)
EXTENDS Mailbox, Json, IOUtils, Naturals, Sequences, FiniteSets

Trace == ndJsonDeserialize(IOEnv.VIPC_TRACE)

Has(e, f) == f \in DOMAIN e
RoleIs(e, r) == Has(e, "role") /\ e.role = r
MaxOf(S) == CHOOSE m \in S : \A n \in S : n <= m

(* Constants the cfg takes from the trace. *)
TraceSenders == {Trace[i].proc : i \in {j \in 1..Len(Trace) : RoleIs(Trace[j], "sender")}}
\* A process that opens and closes without sending or receiving (a receiver
\* whose partners took every message) is counted with the receivers.
TraceReceivers ==
  {Trace[i].proc : i \in {j \in 1..Len(Trace) : RoleIs(Trace[j], "receiver") \/ Trace[j].kind = "Open"}} \ TraceSenders
SendsOf(s) == {Trace[i].seq : i \in {j \in 1..Len(Trace) : Trace[j].kind = "Send" /\ Trace[j].proc = s /\ Has(Trace[j], "seq")}}
\* A sender may close only after its last message, so every sender of the
\* workload sends the same number; the largest count logged is that number.
TraceMsgsPerSender == MaxOf({Cardinality(SendsOf(s)) : s \in TraceSenders} \cup {1})

VARIABLES
  l,           \* the cursor: number of the next event to match
  seqOf,       \* spec message -> its logged sequence number (0: not sent yet)
  handedBack   \* messages whose HandBack has been logged

traceVars == <<l, seqOf, handedBack>>

TraceInit == /\ l = 1
             /\ seqOf = [m \in Msg |-> 0]
             /\ handedBack = {}
             /\ Init

\* The event at the cursor is of kind k.  It reads the cursor alone, so the
\* validator evaluates it once per event and skips the actions of other kinds.
IsEvent(k) == /\ l <= Len(Trace)
              /\ Trace[l].kind = k
\* The step consumes the event.
Advance == l' = l + 1
E == Trace[l]

\* The logged event names spec message m: same sender, same sequence number.
Names(e, m) == /\ Has(e, "seq") /\ seqOf[m] = e.seq
               /\ Has(e, "msg") => e.msg[1] = m[1]

\* The Send at the cursor is a hand-over: the next event delivers the same message.
HandOver == /\ l + 1 <= Len(Trace)
            /\ Trace[l + 1].kind = "Deliver"
            /\ Has(Trace[l + 1], "seq") /\ Trace[l + 1].seq = E.seq

OpenEvent ==
  /\ IsEvent("Open")
  /\ Advance
  /\ E.proc \in Procs
  /\ Open(E.proc)
  /\ pc'[E.proc] = "open"
  /\ UNCHANGED <<seqOf, handedBack>>

SendEvent ==
  /\ IsEvent("Send")
  /\ Advance
  /\ RoleIs(E, "sender")
  /\ E.proc \in Senders
  /\ Has(E, "seq")
  /\ next[E.proc] <= MsgsPerSender
  /\ seqOf' = [seqOf EXCEPT ![<<E.proc, next[E.proc]>>] = E.seq]
  /\ IF HandOver
     THEN \E r \in Receivers : r = Trace[l + 1].proc /\ Deliver(E.proc, r)
     ELSE Send(E.proc)
  /\ UNCHANGED handedBack

DeliverEvent ==
  /\ IsEvent("Deliver")
  /\ Advance
  /\ E.proc \in Receivers
  /\ l > 1 /\ Trace[l - 1].kind = "Send"
  /\ Has(Trace[l - 1], "seq") /\ Has(E, "seq") /\ Trace[l - 1].seq = E.seq
  /\ UNCHANGED <<vars, seqOf, handedBack>>

ReceiveEvent ==
  /\ IsEvent("Receive")
  /\ Advance
  /\ E.proc \in Receivers
  /\ box /= <<>>
  /\ Names(E, Head(box))
  /\ Receive(E.proc)
  /\ UNCHANGED <<seqOf, handedBack>>

ReceiveBlockedEvent ==
  /\ IsEvent("ReceiveBlocked")
  /\ Advance
  /\ E.proc \in Receivers
  /\ ReceiveBlocked(E.proc)
  /\ UNCHANGED <<seqOf, handedBack>>

HandBackEvent ==
  /\ IsEvent("HandBack")
  /\ Advance
  /\ E.proc \in Procs
  /\ \E m \in Msg :
       /\ Has(E, "peer") /\ E.peer = m[1]
       /\ Names(E, m)
       /\ m \notin handedBack
       /\ handedBack' = handedBack \cup {m}
       /\ IF disposed
          THEN /\ m \in returned
               /\ UNCHANGED vars
          ELSE /\ Close(E.proc)
               /\ disposed'
               /\ m \in returned'
  /\ UNCHANGED seqOf

CloseEvent ==
  /\ IsEvent("Close")
  /\ Advance
  /\ E.proc \in Procs
  /\ IF l > 1 /\ Trace[l - 1].kind = "HandBack" /\ Trace[l - 1].proc = E.proc /\ disposed
     \* The disposal its HandBacks already took; each returned message was logged.
     THEN /\ pc[E.proc] = "closed"
          /\ handedBack = returned
          /\ Has(E, "count") => E.count = Cardinality(returned)
          /\ UNCHANGED vars
     ELSE /\ Close(E.proc)
          /\ returned' = returned
          /\ Has(E, "count") => E.count = 0
  /\ UNCHANGED <<seqOf, handedBack>>

TraceNext ==
  \/ OpenEvent \/ SendEvent \/ DeliverEvent \/ ReceiveEvent
  \/ ReceiveBlockedEvent \/ HandBackEvent \/ CloseEvent
=============================================================================
