------------------------- MODULE MailboxHandlerTrace -------------------------
(***************************************************************************)
(* Trace validation of a mailbox receiver that takes its messages through *)
(* a sequential subscription (src/Reference, Mailbox.Subscribe with       *)
(* HandlerOptions.Sequential) against Mailbox, policy "arbitrary".  It    *)
(* extends MailboxTrace: every event MailboxTrace knows means what it     *)
(* means there.                                                           *)
(*                                                                         *)
(* A sequential handler is the spec's receiver running the loop "receive; *)
(* handle the message; receive again": the receiver is handed a message   *)
(* only from within a receive, and it calls receive again only after the  *)
(* handler has returned.  So:                                             *)
(*   Deliver / Receive (r)  as in MailboxTrace (r is handed the message,  *)
(*                   Deliver(s, r), or takes it from the buffer,          *)
(*                   Receive(r)); for a handler receiver r this is its    *)
(*                   receive returning: r's handler now owns the message  *)
(*                   (busy), and r may not be handed another until then.  *)
(*   HandlerStart (r)  r's handler starts on the message it owns: no step. *)
(*   HandlerEnd (r)  r's handler returned from the message it owns: r is  *)
(*                   idle again (no spec step: receive is not yet called). *)
(* Silent step: an idle handler receiver with nothing in the buffer is    *)
(* the spec's receiver blocked in receive (ReceiveBlocked(r), not logged: *)
(* an idle subscription waits without a log line).  A busy one is not,    *)
(* so a message handed to a handler whose previous run has not ended is   *)
(* one no spec step explains: the overlapping runs that a sequential      *)
(* subscription must never have (the seeded HandlerReentrancy).           *)
(***************************************************************************)
EXTENDS MailboxTrace

\* Receivers whose messages go to a handler: those with a HandlerStart.
HandlerReceivers == {Trace[i].proc : i \in {j \in 1..Len(Trace) : Trace[j].kind = "HandlerStart"}}

VARIABLE busy  \* receiver -> sequence number of the message its handler owns (0: idle)

HTraceInit == /\ TraceInit
              /\ busy = [r \in Receivers |-> 0]

Idle(r) == r \notin HandlerReceivers \/ busy[r] = 0

\* The message at the cursor goes to receiver r, now or as the next event's hand-over.
Takes(r, seq) ==
  IF r \in HandlerReceivers THEN /\ busy[r] = 0
                                 /\ busy' = [busy EXCEPT ![r] = seq]
                            ELSE UNCHANGED busy

HSendEvent ==
  /\ SendEvent
  /\ IF HandOver /\ Trace[l + 1].proc \in Receivers
     THEN Takes(Trace[l + 1].proc, E.seq)
     ELSE UNCHANGED busy

HReceiveEvent ==
  /\ ReceiveEvent
  /\ Takes(E.proc, E.seq)

HandlerStartEvent ==
  /\ IsEvent("HandlerStart")
  /\ Advance
  /\ E.proc \in HandlerReceivers
  /\ Has(E, "seq") /\ busy[E.proc] = E.seq
  /\ UNCHANGED <<vars, seqOf, handedBack, busy>>

HandlerEndEvent ==
  /\ IsEvent("HandlerEnd")
  /\ Advance
  /\ E.proc \in HandlerReceivers
  /\ Has(E, "seq") /\ busy[E.proc] = E.seq
  /\ busy' = [busy EXCEPT ![E.proc] = 0]
  /\ UNCHANGED <<vars, seqOf, handedBack>>

\* An idle handler receiver waits in receive (the subscription is armed).
HandlerWaits ==
  /\ \E r \in HandlerReceivers : r \in Receivers /\ busy[r] = 0 /\ ReceiveBlocked(r)
  /\ UNCHANGED <<l, seqOf, handedBack, busy>>

HTraceNext ==
  \/ HSendEvent \/ HReceiveEvent \/ HandlerStartEvent \/ HandlerEndEvent
  \/ (OpenEvent \/ DeliverEvent \/ ReceiveBlockedEvent \/ HandBackEvent \/ CloseEvent) /\ UNCHANGED busy
  \/ HandlerWaits
=============================================================================
