------------------------- MODULE BoundedBufferTrace -------------------------
(***************************************************************************)
(* Trace validation of the reference bounded buffer (src/Reference,        *)
(* QueueBuffer) against BoundedBuffer: does the spec allow the NDJSON     *)
(* trace named by the environment variable VIPC_TRACE?  Runs under vipc   *)
(* validate, and under TLC with the CommunityModules (Json, IOUtils).     *)
(*                                                                         *)
(* The implementation is System.Threading.Monitor: one condition for      *)
(* both roles and PulseAll, so the cfg fixes SharedCondition = TRUE and   *)
(* Wakeup = "broadcast".  What it logs, and what each event stands for:   *)
(*   Send     the producer `proc` put `msg` (Send)                        *)
(*   Receive  the consumer `proc` took `msg`, the oldest item (Receive)   *)
(*   Wait     `proc` found its condition false and waits (Wait); `count`  *)
(*            is the number of items it saw                               *)
(*   Wake     Monitor.Wait returned to `proc`: woken AND holding the lock *)
(*            again (Wake)                                                *)
(*   Broadcast  PulseAll, logged by the lock holder just BEFORE the       *)
(*            Send/Receive that causes it, and only when someone is       *)
(*            blocked; the spec's Broadcast comes after the operation and *)
(*            always happens, so the event only asserts who holds the     *)
(*            lock and that someone waits, and Broadcast is silent        *)
(*   Signal   Monitor.Pulse: not what this configuration does (rejected)  *)
(*   Check    the check-then-act window: `proc` saw room                  *)
(*   Close    the buffer closed while nobody was blocked; Sends end       *)
(*   Closed   a consumer's receive after Close found nothing: no step     *)
(* Silent steps (not logged): Acquire and Release of the lock, the        *)
(* Broadcast after each operation, and Wake of a waiter that is not a     *)
(* blocked thread -- an asynchronous waiter (a parked task) is mapped to  *)
(* a waiting thread that, once woken, takes the lock without a log line   *)
(* and then completes: a Send handed to it is its Receive, a slot handed  *)
(* to a parked sender is that sender's Send.                              *)
(* Left to the spec's nondeterminism: the lock, pc, the wait set.         *)
(* Not in the spec's vocabulary: Cancel, Timeout, HandBack (rejected).    *)
(***************************************************************************)
EXTENDS BoundedBuffer, Json, IOUtils, Naturals, Sequences, FiniteSets

Trace == ndJsonDeserialize(IOEnv.VIPC_TRACE)

Has(e, f) == f \in DOMAIN e
RoleIs(e, r) == Has(e, "role") /\ e.role = r
MaxOf(S) == CHOOSE m \in S : \A n \in S : n <= m
MinOf(S) == CHOOSE m \in S : \A n \in S : m <= n

(* Constants the cfg takes from the trace. *)
SenderEvents == {j \in 1..Len(Trace) : RoleIs(Trace[j], "sender")}
TraceProducers == {Trace[i].proc : i \in SenderEvents}
TraceConsumers == {Trace[i].proc : i \in {j \in 1..Len(Trace) : RoleIs(Trace[j], "receiver")}}
\* One more than any producer put: a producer whose last operation the trace
\* cuts off (blocked when the run ended) must not count as done.
TraceItems ==
  1 + MaxOf({Cardinality({i \in SenderEvents : Trace[i].kind = "Send" /\ Trace[i].proc = p}) : p \in TraceProducers} \cup {0})
\* The capacity is not logged: VIPC_CAPACITY when set; else the count a
\* blocked sender saw (it blocks only on a full buffer); else the most items
\* ever buffered.
SenderWaitCounts ==
  {Trace[i].count : i \in {j \in SenderEvents : Trace[j].kind = "Wait" /\ Has(Trace[j], "count")}}
TraceCapacity ==
  IF "VIPC_CAPACITY" \in DOMAIN IOEnv THEN atoi(IOEnv.VIPC_CAPACITY)
  ELSE IF SenderWaitCounts /= {} THEN MinOf(SenderWaitCounts)
  ELSE MaxOf({Trace[i].count : i \in {j \in 1..Len(Trace) : Has(Trace[j], "count")}} \cup {1})

VARIABLES
  l,      \* the cursor: number of the next event to match
  closed  \* a Close event was matched

TraceInit == /\ l = 1
             /\ closed = FALSE
             /\ Init

\* The event at the cursor is of kind k.  It reads the cursor alone, so the
\* validator evaluates it once per event and skips the actions of other kinds.
IsEvent(k) == /\ l <= Len(Trace)
              /\ Trace[l].kind = k
\* The step consumes the event.
Advance == l' = l + 1
E == Trace[l]

SendEvent ==
  /\ IsEvent("Send")
  /\ Advance
  /\ ~closed
  /\ E.proc \in Producers
  /\ Has(E, "msg") => E.msg = <<E.proc, sent[E.proc] + 1>>
  /\ Send(E.proc)
  /\ UNCHANGED closed

ReceiveEvent ==
  /\ IsEvent("Receive")
  /\ Advance
  /\ E.proc \in Consumers
  /\ Has(E, "msg") => (count > 0 /\ slots[head] = E.msg)
  /\ Receive(E.proc)
  /\ UNCHANGED closed

WaitEvent ==
  /\ IsEvent("Wait")
  /\ Advance
  /\ ~closed
  /\ E.proc \in Threads
  /\ Has(E, "count") => E.count = count
  /\ Wait(E.proc)
  /\ UNCHANGED closed

WakeEvent ==
  /\ IsEvent("Wake")
  /\ Advance
  /\ E.proc \in Threads
  /\ Wake(E.proc)
  /\ UNCHANGED closed

\* Logged by the lock holder just before its Send or Receive, so when `proc`
\* names a thread, that thread holds the lock and has yet to operate.
Notifier == E.proc \in Threads => (lock = E.proc /\ pc[E.proc] = "check")

BroadcastEvent ==
  /\ IsEvent("Broadcast")
  /\ Advance
  /\ Wakeup = "broadcast"
  /\ Notifier
  /\ \E t \in Threads : pc[t] \in {"waiting", "woken"}
  /\ UNCHANGED <<vars, closed>>

SignalEvent ==
  /\ IsEvent("Signal")
  /\ Advance
  /\ Wakeup = "signal"
  /\ Notifier
  /\ \E t \in Threads : pc[t] \in {"waiting", "woken"}
  /\ UNCHANGED <<vars, closed>>

CheckEvent ==
  /\ IsEvent("Check")
  /\ Advance
  /\ E.proc \in Producers
  /\ count < Capacity
  /\ UNCHANGED <<vars, closed>>

CloseEvent ==
  /\ IsEvent("Close")
  /\ Advance
  /\ ~closed
  /\ \A t \in Threads : pc[t] \notin {"waiting", "woken"}
  /\ closed' = TRUE
  /\ UNCHANGED vars

ClosedEvent ==
  /\ IsEvent("Closed")
  /\ Advance
  /\ closed
  /\ count = 0
  /\ E.proc \in Consumers
  /\ UNCHANGED <<vars, closed>>

\* A thread that takes the lock (Acquire, or the Wake of a parked waiter)
\* holds it until it logs its own Wait, Send, Receive or Broadcast, so it
\* takes the lock silently only when the next event is its own and not a
\* logged Wake: other interleavings could not explain the next event anyway.
\* The guard comes first so that other threads' steps are not built at all.
NextIsOwn(t) == l <= Len(Trace) /\ Trace[l].proc = t /\ Trace[l].kind /= "Wake"

SilentStep ==
  /\ \E t \in Threads :
       \/ NextIsOwn(t) /\ Acquire(t)
       \/ NextIsOwn(t) /\ Wake(t)
       \/ Release(t)
       \/ Broadcast(t)
  /\ UNCHANGED <<l, closed>>

TraceNext ==
  \/ SendEvent \/ ReceiveEvent \/ WaitEvent \/ WakeEvent
  \/ BroadcastEvent \/ SignalEvent \/ CheckEvent \/ CloseEvent \/ ClosedEvent
  \/ SilentStep
=============================================================================
