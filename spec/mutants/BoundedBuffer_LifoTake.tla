---------------------- MODULE BoundedBuffer_LifoTake -----------------------
(***************************************************************************)
(* MUTANT of BoundedBuffer: Receive removes the newest item instead of the *)
(* oldest (the ring is used as a stack).  Nothing is lost or duplicated    *)
(* and each producer's items may even stay in order when each puts one,    *)
(* but the buffer is no longer a FIFO channel.                             *)
(* Must violate: AbsSpec (the refinement of FifoChannel; TLC names it by   *)
(* its location).  mutants/FifoChannel.tla is a verbatim copy of           *)
(* spec/FifoChannel.tla (TLC looks for instantiated modules next to the    *)
(* root module; tlc-regen.sh checks the copy is identical).  Changed lines *)
(* say MUTANT.                                                             *)
(***************************************************************************)

(***************************************************************************)
(* A bounded buffer guarded by a Mesa monitor, as src/Reference builds it: *)
(* one lock, condition variables with wait sets, a ring of Capacity slots, *)
(* and a `while` around every wait.  N producers put their items, M        *)
(* consumers take them.                                                    *)
(*                                                                         *)
(* Seed ("Buffering"): "Bounded buffer -- finite size -- sender blocks on  *)
(* buffer full -- use mesa-monitor to solve the problem."                  *)
(*                                                                         *)
(* The model works at the grain where the classic monitor bugs live: a     *)
(* thread acquires the lock, tests its condition, either waits (joining a  *)
(* wait set and releasing the lock in one step) or operates (Send puts an  *)
(* item, Receive takes one), then notifies and releases.  A notified      *)
(* thread is only made runnable (Wake): it must win the lock again, and by *)
(* then the condition may be false again (Mesa, not Hoare, semantics) --   *)
(* which is why the test is a `while`.                                     *)
(*                                                                         *)
(* Two design axes are constants, because both are legitimate builds:      *)
(*   SharedCondition = TRUE : one condition queue for producers and        *)
(*       consumers, as System.Threading.Monitor provides (Wait/Pulse on    *)
(*       the lock object); FALSE : separate notFull and notEmpty queues.   *)
(*   Wakeup = "signal" (wake one waiter, Monitor.Pulse) or "broadcast"     *)
(*       (wake all, Monitor.PulseAll).                                     *)
(* Signal is correct with two conditions; with one shared condition it can *)
(* wake a thread of the wrong role and lose the wake-up (mutants/).        *)
(*                                                                         *)
(* Left out: Close, cancellation and timeouts (their hand-back semantics   *)
(* are modelled in Rendezvous, Mailbox and Pipe); producers put a fixed    *)
(* number of items, and consumers wait for more once all are taken.        *)
(***************************************************************************)
EXTENDS Integers, Sequences, FiniteSets

CONSTANTS Producers,        \* producer threads (model values)
          Consumers,        \* consumer threads (model values)
          Capacity,         \* slots in the ring buffer
          ItemsPerProducer, \* how many items each producer puts
          SharedCondition,  \* BOOLEAN, see above
          Wakeup,           \* "signal" or "broadcast"
          NoThread          \* model value: the lock is free

ASSUME /\ Producers \cap Consumers = {}
       /\ NoThread \notin Producers \cup Consumers
       /\ Capacity \in Nat /\ Capacity > 0
       /\ ItemsPerProducer \in Nat /\ ItemsPerProducer > 0
       /\ SharedCondition \in BOOLEAN
       /\ Wakeup \in {"signal", "broadcast"}

Threads == Producers \cup Consumers

\* An item is <<producer, number>>: producer p puts <<p,1>>, <<p,2>>, ...
Msg   == Producers \X (1..ItemsPerProducer)
NoMsg == <<NoThread, 0>>            \* an empty slot
Slots == 0..(Capacity - 1)

Conditions == IF SharedCondition THEN {"cond"} ELSE {"notFull", "notEmpty"}
\* The condition a thread waits on, and the one it notifies after operating.
WaitsOn(t)  == IF SharedCondition THEN "cond"
               ELSE IF t \in Producers THEN "notFull" ELSE "notEmpty"
Notifies(t) == IF SharedCondition THEN "cond"
               ELSE IF t \in Producers THEN "notEmpty" ELSE "notFull"

\* Program counter of each thread:
\*   "acquire"  outside the monitor, about to take the lock
\*   "check"    holds the lock, about to test the while-condition
\*   "waiting"  in a wait set; the lock is released
\*   "woken"    notified, runnable, must take the lock again
\*   "notify"   holds the lock, has operated, about to signal/broadcast
\*   "release"  holds the lock, about to release it
\*   "done"     a producer that has put all its items
PCs == {"acquire", "check", "waiting", "woken", "notify", "release", "done"}

VARIABLES
  slots,    \* the ring buffer: slot -> item or NoMsg
  head,     \* slot of the oldest item
  count,    \* items in the buffer
  lock,     \* the thread holding the monitor lock, or NoThread
  waitSet,  \* condition -> threads waiting on it
  pc,       \* thread -> program counter
  sent,     \* producer -> items it has put
  taken     \* producer -> items of that producer consumers have taken

vars == <<slots, head, count, lock, waitSet, pc, sent, taken>>

\* The buffer's contents, oldest first: the refinement mapping to FifoChannel.
Contents == [i \in 1..count |-> slots[(head + i - 1) % Capacity]]

MustWait(t) == IF t \in Producers THEN count = Capacity ELSE count = 0

TypeOK ==
  /\ slots \in [Slots -> Msg \cup {NoMsg}]
  /\ head \in Slots
  /\ count \in Int
  /\ lock \in Threads \cup {NoThread}
  /\ waitSet \in [Conditions -> SUBSET Threads]
  /\ pc \in [Threads -> PCs]
  /\ sent \in [Producers -> 0..ItemsPerProducer]
  /\ taken \in [Producers -> 0..ItemsPerProducer]

Init ==
  /\ slots = [s \in Slots |-> NoMsg]
  /\ head = 0
  /\ count = 0
  /\ lock = NoThread
  /\ waitSet = [c \in Conditions |-> {}]
  /\ pc = [t \in Threads |-> "acquire"]
  /\ sent = [p \in Producers |-> 0]
  /\ taken = [p \in Producers |-> 0]

\* Seed: "use mesa-monitor": entering the monitor; the thread then tests its
\* condition.
Acquire(t) ==
  /\ pc[t] = "acquire"
  /\ lock = NoThread
  /\ lock' = t
  /\ pc' = [pc EXCEPT ![t] = "check"]
  /\ UNCHANGED <<slots, head, count, waitSet, sent, taken>>

\* Mesa semantics: a notified thread returns from Monitor.Wait only once it
\* has won the lock again -- and then re-tests its condition (the `while`),
\* because another thread may have got in first.
Wake(t) ==
  /\ pc[t] = "woken"
  /\ lock = NoThread
  /\ lock' = t
  /\ pc' = [pc EXCEPT ![t] = "check"]
  /\ UNCHANGED <<slots, head, count, waitSet, sent, taken>>

\* Seed: "sender blocks on buffer full" (and receive "blocks on empty
\* buffer"): join the wait set and release the lock in one atomic step.
Wait(t) ==
  /\ pc[t] = "check"
  /\ MustWait(t)
  /\ waitSet' = [waitSet EXCEPT ![WaitsOn(t)] = @ \cup {t}]
  /\ lock' = NoThread
  /\ pc' = [pc EXCEPT ![t] = "waiting"]
  /\ UNCHANGED <<slots, head, count, sent, taken>>

\* Seed: send(dest, msg) into a bounded buffer with room: put the item.
Send(p) ==
  /\ p \in Producers
  /\ pc[p] = "check"
  /\ ~MustWait(p)
  /\ slots' = [slots EXCEPT ![(head + count) % Capacity] = <<p, sent[p] + 1>>]
  /\ count' = count + 1
  /\ sent' = [sent EXCEPT ![p] = @ + 1]
  /\ pc' = [pc EXCEPT ![p] = "notify"]
  /\ UNCHANGED <<head, lock, waitSet, taken>>

\* Seed: receive(src, msg) from a non-empty buffer: take the oldest item.
Receive(c) ==
  /\ c \in Consumers
  /\ pc[c] = "check"
  /\ ~MustWait(c)
  /\ LET m == slots[(head + count - 1) % Capacity] IN     \* MUTANT: the newest
       \* Only a broken monitor reaches an empty slot here; let BoundsOK,
       \* not an evaluation error, report it.
       taken' = IF m = NoMsg THEN taken ELSE [taken EXCEPT ![m[1]] = @ + 1]
  /\ slots' = [slots EXCEPT ![(head + count - 1) % Capacity] = NoMsg]   \* MUTANT
  /\ head' = head                                                       \* MUTANT
  /\ count' = count - 1
  /\ pc' = [pc EXCEPT ![c] = "notify"]
  /\ UNCHANGED <<lock, waitSet, sent>>

\* Mesa signal (Monitor.Pulse): make one waiter, if any, runnable.  It does
\* not get the lock; it queues for it like everybody else.
Signal(t) ==
  /\ Wakeup = "signal"
  /\ pc[t] = "notify"
  /\ LET cv == Notifies(t) IN
       IF waitSet[cv] = {}
       THEN /\ pc' = [pc EXCEPT ![t] = "release"]
            /\ UNCHANGED waitSet
       ELSE \E w \in waitSet[cv] :
              /\ waitSet' = [waitSet EXCEPT ![cv] = @ \ {w}]
              /\ pc' = [pc EXCEPT ![t] = "release", ![w] = "woken"]
  /\ UNCHANGED <<slots, head, count, lock, sent, taken>>

\* Mesa broadcast (Monitor.PulseAll): make every waiter runnable.
Broadcast(t) ==
  /\ Wakeup = "broadcast"
  /\ pc[t] = "notify"
  /\ LET cv == Notifies(t) IN
       /\ pc' = [u \in Threads |-> IF u = t THEN "release"
                                   ELSE IF u \in waitSet[cv] THEN "woken"
                                   ELSE pc[u]]
       /\ waitSet' = [waitSet EXCEPT ![cv] = {}]
  /\ UNCHANGED <<slots, head, count, lock, sent, taken>>

\* Leave the monitor.  A producer with nothing left to put is done.
Release(t) ==
  /\ pc[t] = "release"
  /\ lock' = NoThread
  /\ pc' = [pc EXCEPT ![t] = IF t \in Producers /\ sent[t] = ItemsPerProducer
                              THEN "done" ELSE "acquire"]
  /\ UNCHANGED <<slots, head, count, waitSet, sent, taken>>

Step(t) == Acquire(t) \/ Wake(t) \/ Wait(t) \/ Send(t) \/ Receive(t)
           \/ Signal(t) \/ Broadcast(t) \/ Release(t)

\* All items are put and taken; the consumers wait for more that never come.
\* This is where a run ends (it stutters), so that TLC's deadlock check
\* reports every other state with nothing enabled: a lost wake-up.
Quiescent ==
  /\ \A p \in Producers : pc[p] = "done"
  /\ count = 0
  /\ \A c \in Consumers : pc[c] = "waiting"
Finished == Quiescent /\ UNCHANGED vars

Next == (\E t \in Threads : Step(t)) \/ Finished

\* Every thread that can take a step eventually does (the scheduler does not
\* starve a runnable thread forever).  Lock acquisition is not fair: a
\* particular thread may lose the lock race forever, as with Monitor.
Spec == Init /\ [][Next]_vars /\ \A t \in Threads : WF_vars(Step(t))

-----------------------------------------------------------------------------
(* Safety *)

BoundsOK == count \in 0..Capacity

\* Exactly the thread between Acquire (or Wake) and Release holds the lock.
MutualExclusion ==
  \A t \in Threads : pc[t] \in {"check", "notify", "release"} <=> lock = t

\* A waiting thread is in exactly the wait set of its condition.
WaitSetsOK ==
  \A t \in Threads :
    \A cv \in Conditions : t \in waitSet[cv] <=> (pc[t] = "waiting" /\ cv = WaitsOn(t))

\* No loss, no duplication, per-producer order: the items of p still in the
\* buffer are exactly p's items put and not yet taken, in order.
NoLossNoDuplication ==
  \A p \in Producers :
    SelectSeq(Contents, LAMBDA m : m[1] = p)
      = [i \in 1..(sent[p] - taken[p]) |-> <<p, taken[p] + i>>]

(* Liveness, under Spec's weak fairness *)

\* Every item put is eventually taken.
EveryItemTaken ==
  \A p \in Producers : \A i \in 1..ItemsPerProducer : (sent[p] >= i) ~> (taken[p] >= i)

\* No producer blocks forever: every producer puts all its items.
ProducersFinish == <>(\A p \in Producers : pc[p] = "done")

(* Refinement: the monitor behaves as the ideal FIFO channel. *)
Abs == INSTANCE FifoChannel WITH Msg <- Msg, queue <- Contents
AbsSpec == Abs!Spec
=============================================================================
