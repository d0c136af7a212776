----------------------- MODULE Mailbox_SelectionRace -----------------------
(***************************************************************************)
(* MUTANT of Mailbox: a receiver-selection race.  Taking a message out of  *)
(* the mailbox is split in two steps: a receiver first reads the oldest    *)
(* message (PeekHead), and only later removes the head and records itself  *)
(* (Receive) -- the read and the removal are not one step under the lock.  *)
(* Two receivers can both be handed the same message.                      *)
(* Must violate: NoDuplication.  Changed lines say MUTANT.                 *)
(***************************************************************************)

(***************************************************************************)
(* Indirect communication through a mailbox: many senders, many            *)
(* receivers, one buffer at the mailbox.                                   *)
(*                                                                         *)
(* Seed ("Indirect communication"): "Use a mailbox to allow many-to-many   *)
(* communication -- requires open/close a mailbox before using it -- a     *)
(* buffer, its mutex and condition variables should be at the mailbox."    *)
(* And: "P1, P2 and P3 share mailbox A.  P1 sends; P2 and P3 receive.      *)
(* Who gets the message?"  The seed's three answers are the constant       *)
(* Policy:                                                                 *)
(*   "pair"      -- "allow a link to be associated with at most two        *)
(*                  processes": the first two processes to open the        *)
(*                  mailbox are bound to it; any other Open is refused.    *)
(*   "exclusive" -- "allow only one process at a time to execute a receive *)
(*                  operation": a second receiver cannot start a receive   *)
(*                  while one is in progress.                              *)
(*   "arbitrary" -- "allow the system to select arbitrarily the receiver;  *)
(*                  sender is notified who the receiver was".              *)
(* Under every policy the sender's status handle reports who received its  *)
(* message (told), so the notification is checked everywhere.              *)
(*                                                                         *)
(* Close, as src/Reference implements it: when the last process that has  *)
(* the mailbox open closes it, the mailbox is disposed and the messages    *)
(* still in it are handed back to their senders as undelivered; a later    *)
(* Open is refused.                                                        *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS Senders, Receivers,   \* processes (model values)
          MsgsPerSender,        \* each sender sends messages 1..MsgsPerSender
          Policy,               \* "pair", "exclusive" or "arbitrary"
          NoOne                 \* model value: not (yet) received by anybody

ASSUME /\ Senders \cap Receivers = {}
       /\ NoOne \notin Receivers
       /\ MsgsPerSender \in Nat /\ MsgsPerSender > 0
       /\ Policy \in {"pair", "exclusive", "arbitrary"}

Procs == Senders \cup Receivers
Msg   == Senders \X (1..MsgsPerSender)

\* Process states: "new" (has not opened), "open", "waiting" (a receiver
\* blocked in receive), "closed", "refused" (its Open was refused).
States == {"new", "open", "waiting", "closed", "refused"}

VARIABLES
  pc,          \* process -> state
  bound,       \* processes that have opened the mailbox
  disposed,    \* the last handle was closed: the mailbox is gone
  box,         \* the mailbox's buffer, oldest first
  next,        \* sender -> number of its next message
  deliveredTo, \* message -> receivers that were handed it (more than one is a bug)
  told,        \* message -> the receiver its sender's status reports, or NoOne
  returned,    \* messages handed back to their senders as undelivered
  picked       \* MUTANT: receiver -> the message it has read, or NoMsg

vars == <<pc, bound, disposed, box, next, deliveredTo, told, returned, picked>>
NoMsg == <<NoOne, 0>>

TypeOK ==
  /\ pc \in [Procs -> States]
  /\ bound \subseteq Procs
  /\ disposed \in BOOLEAN
  /\ box \in Seq(Msg)
  /\ next \in [Senders -> 1..(MsgsPerSender + 1)]
  /\ deliveredTo \in [Msg -> SUBSET Receivers]
  /\ told \in [Msg -> Receivers \cup {NoOne}]
  /\ returned \subseteq Msg

Init ==
  /\ pc = [p \in Procs |-> "new"]
  /\ bound = {}
  /\ disposed = FALSE
  /\ box = <<>>
  /\ next = [s \in Senders |-> 1]
  /\ deliveredTo = [m \in Msg |-> {}]
  /\ told = [m \in Msg |-> NoOne]
  /\ returned = {}
  /\ picked = [r \in Receivers |-> NoMsg]

Waiting == {r \in Receivers : pc[r] = "waiting"}
InBox(m) == \E i \in 1..Len(box) : box[i] = m
Sent(m) == m[2] < next[m[1]]

\* Seed: "requires open ... a mailbox before using it".  Refused when the
\* mailbox is disposed, or under "pair" when two other processes hold the link.
Open(p) ==
  /\ pc[p] = "new"
  /\ IF disposed \/ (Policy = "pair" /\ Cardinality(bound) = 2)
     THEN /\ pc' = [pc EXCEPT ![p] = "refused"]
          /\ UNCHANGED bound
     ELSE /\ pc' = [pc EXCEPT ![p] = "open"]
          /\ bound' = bound \cup {p}
  /\ UNCHANGED <<picked, disposed, box, next, deliveredTo, told, returned>>

\* Seed: send(dest, msg) with a mailbox as dest, when no receiver is
\* waiting: the message goes into the mailbox's buffer and the send returns
\* (it is out of the sender's memory); its status tells later who received it.
Send(s) ==
  /\ s \in Senders
  /\ pc[s] = "open"
  /\ next[s] <= MsgsPerSender
  /\ Waiting = {}
  /\ box' = Append(box, <<s, next[s]>>)
  /\ next' = [next EXCEPT ![s] = @ + 1]
  /\ UNCHANGED <<picked, pc, bound, disposed, deliveredTo, told, returned>>

\* Seed: "the system selects arbitrarily the receiver.  Sender is notified
\* who the receiver was."  A send that finds receivers waiting hands its
\* message straight to one of them -- any one: that is the arbitrary choice
\* (src/Reference picks the longest-waiting, or a seeded random one, both
\* among the behaviours allowed here) -- and tells the sender who it was.
Deliver(s, r) ==
  /\ s \in Senders
  /\ pc[s] = "open"
  /\ next[s] <= MsgsPerSender
  /\ r \in Waiting
  /\ LET m == <<s, next[s]>> IN
       /\ deliveredTo' = [deliveredTo EXCEPT ![m] = @ \cup {r}]
       /\ told' = [told EXCEPT ![m] = r]
  /\ next' = [next EXCEPT ![s] = @ + 1]
  /\ pc' = [pc EXCEPT ![r] = "open"]
  /\ UNCHANGED <<picked, bound, disposed, box, returned>>

\* Seed: receive(src, msg) on the mailbox, with a message there: take the
\* oldest, and the sender is told who received it.  Under "exclusive" not
\* while another process's receive is in progress (src/Reference fails the
\* call with a typed error and changes nothing).
\* MUTANT: read the head ...
PeekHead(r) ==
  /\ r \in Receivers
  /\ pc[r] = "open"
  /\ box /= <<>>
  /\ Policy = "exclusive" => Waiting = {}
  /\ picked[r] = NoMsg
  /\ picked' = [picked EXCEPT ![r] = Head(box)]
  /\ UNCHANGED <<pc, bound, disposed, box, next, deliveredTo, told, returned>>

\* MUTANT: ... and later take "the head", whatever it is by then.
Receive(r) ==
  /\ r \in Receivers
  /\ picked[r] /= NoMsg
  /\ LET m == picked[r] IN
       /\ deliveredTo' = [deliveredTo EXCEPT ![m] = @ \cup {r}]
       /\ told' = [told EXCEPT ![m] = r]
  /\ box' = IF box = <<>> THEN box ELSE Tail(box)
  /\ picked' = [picked EXCEPT ![r] = NoMsg]
  /\ UNCHANGED <<pc, bound, disposed, next, returned>>

\* Seed: receive "blocks on empty buffer": the receiver starts to wait.
\* Under "exclusive" only one receive may be in progress.
ReceiveBlocked(r) ==
  /\ r \in Receivers
  /\ pc[r] = "open"
  /\ box = <<>>
  /\ Policy = "exclusive" => Waiting = {}
  /\ pc' = [pc EXCEPT ![r] = "waiting"]
  /\ UNCHANGED <<picked, bound, disposed, box, next, deliveredTo, told, returned>>

\* Seed: "... and close a mailbox".  A sender closes after its last send; a
\* receiver may close whenever it is not blocked.  The last close disposes
\* of the mailbox and hands back what is left in it.
Close(p) ==
  /\ pc[p] = "open"
  /\ p \in Receivers => picked[p] = NoMsg   \* MUTANT: not in the middle of a receive
  /\ p \in Senders => next[p] > MsgsPerSender
  /\ pc' = [pc EXCEPT ![p] = "closed"]
  /\ IF \A q \in Procs \ {p} : pc[q] \notin {"open", "waiting"}
     THEN /\ disposed' = TRUE
          /\ returned' = returned \cup {box[i] : i \in 1..Len(box)}
          /\ box' = <<>>
     ELSE UNCHANGED <<disposed, returned, box>>
  /\ UNCHANGED <<picked, bound, next, deliveredTo, told>>

\* Every process has closed, was refused, or waits on an empty mailbox for a
\* message that will never come: the run ends (stutters).  Any other state
\* with nothing enabled is a deadlock that TLC reports.
Finished ==
  /\ \A p \in Procs : pc[p] \in {"closed", "refused", "waiting"}
  /\ box = <<>>
  /\ UNCHANGED vars

Next == \/ \E p \in Procs : Open(p) \/ Close(p)
        \/ \E s \in Senders : Send(s) \/ \E r \in Receivers : Deliver(s, r)
        \/ \E r \in Receivers : PeekHead(r) \/ Receive(r) \/ ReceiveBlocked(r)
        \/ Finished

\* Senders run their program to the end (open, send all, close).  Receivers
\* open and keep receiving, but may close at any time (not fair).
Spec == /\ Init /\ [][Next]_vars
        /\ \A s \in Senders :
             WF_vars(Open(s) \/ Send(s) \/ (\E r \in Receivers : Deliver(s, r)) \/ Close(s))
        /\ \A r \in Receivers : WF_vars(Open(r)) /\ WF_vars(PeekHead(r) \/ Receive(r) \/ ReceiveBlocked(r))

-----------------------------------------------------------------------------
(* Safety *)

\* The selection policy holds.
PolicyHolds ==
  /\ Policy = "pair" => Cardinality(bound) <= 2
  /\ Policy = "exclusive" => Cardinality(Waiting) <= 1

\* Only processes that opened the mailbox use it.
OnlyOpenersUse ==
  /\ \A s \in Senders : next[s] > 1 => s \in bound
  /\ \A m \in Msg : deliveredTo[m] \subseteq bound

\* No duplication: a message goes to at most one receiver, and is never both
\* delivered and handed back.
NoDuplication ==
  \A m \in Msg : /\ Cardinality(deliveredTo[m]) <= 1
                 /\ deliveredTo[m] /= {} => m \notin returned

\* No loss: every message sent is in the mailbox, delivered, or handed back.
NoLoss ==
  \A m \in Msg : Sent(m) => (InBox(m) \/ deliveredTo[m] /= {} \/ m \in returned)

\* The sender is told exactly who received its message.
SenderToldReceiver ==
  \A m \in Msg : /\ (told[m] = NoOne) <=> (deliveredTo[m] = {})
                 /\ told[m] /= NoOne => told[m] \in deliveredTo[m]

\* A receiver waits only while the mailbox is empty (a send hands its
\* message to a waiting receiver rather than buffer it).
NoIdleWait == Waiting /= {} => box = <<>>

\* The buffer keeps each sender's messages in the order they were sent.
SenderOrder ==
  \A i, j \in 1..Len(box) : (i < j /\ box[i][1] = box[j][1]) => box[i][2] < box[j][2]

(* Liveness *)

\* Every message sent is eventually delivered or handed back.
EveryMessageResolved ==
  \A m \in Msg : Sent(m) ~> (deliveredTo[m] /= {} \/ m \in returned)

\* No sender is stuck: each one eventually closes or is refused.
SendersFinish == <>(\A s \in Senders : pc[s] \in {"closed", "refused"})
=============================================================================
