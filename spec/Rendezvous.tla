----------------------------- MODULE Rendezvous -----------------------------
(***************************************************************************)
(* A rendezvous channel: no buffering.  A sender and a receiver meet and   *)
(* the message passes from one to the other; a send returns only once a   *)
(* receiver has taken its message.                                         *)
(*                                                                         *)
(* Seed ("Buffering"): "No buffering -- sender must wait until the         *)
(* receiver receives the message -- rendezvous on each message."           *)
(*                                                                         *)
(* Whoever arrives first blocks: a sender with no receiver waiting parks   *)
(* its message (offer) and blocks; a receiver with no offer waiting blocks *)
(* (waiting).  The second to arrive completes the hand-off in one step.    *)
(* Close, as src/Reference implements it: every blocked sender's message   *)
(* is handed back to it as undelivered, every blocked receiver returns     *)
(* "closed", and a send after close hands its message straight back.      *)
(* Nothing is ever dropped silently.                                       *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS Senders,        \* sender processes (model values)
          Receivers,      \* receiver processes (model values)
          MsgsPerSender,  \* each sender sends messages 1..MsgsPerSender
          NoMsg           \* model value: no message parked

ASSUME /\ MsgsPerSender \in Nat /\ MsgsPerSender > 0
       /\ Senders \cap Receivers = {}

\* Message <<s, i>> is sender s's i-th message.
Msg == Senders \X (1..MsgsPerSender)

VARIABLES
  next,      \* sender -> number of the message it sends next (MsgsPerSender+1: finished)
  offer,     \* sender -> the message it is blocked on handing over, or NoMsg
  waiting,   \* receivers blocked in Receive, waiting for a sender
  received,  \* message -> how many times a receiver has taken it
  returned,  \* messages handed back to their senders as undelivered
  open       \* the channel is open

vars == <<next, offer, waiting, received, returned, open>>

TypeOK ==
  /\ next \in [Senders -> 1..(MsgsPerSender + 1)]
  /\ offer \in [Senders -> Msg \cup {NoMsg}]
  /\ waiting \subseteq Receivers
  /\ DOMAIN received = Msg /\ \A m \in Msg : received[m] \in Nat
  /\ returned \subseteq Msg
  /\ open \in BOOLEAN

Init ==
  /\ next = [s \in Senders |-> 1]
  /\ offer = [s \in Senders |-> NoMsg]
  /\ waiting = {}
  /\ received = [m \in Msg |-> 0]
  /\ returned = {}
  /\ open = TRUE

Current(s) == <<s, next[s]>>
Blocked == {s \in Senders : offer[s] /= NoMsg}

\* Seed: synchronous send(dest, msg).  A receiver is waiting: hand the
\* message over and return.  None is: park the message and block.  After
\* Close the call fails and the message is handed back.
Send(s) ==
  /\ next[s] <= MsgsPerSender
  /\ offer[s] = NoMsg
  /\ IF ~open
     THEN /\ returned' = returned \cup {Current(s)}
          /\ next' = [next EXCEPT ![s] = @ + 1]
          /\ UNCHANGED <<offer, waiting, received>>
     ELSE IF waiting /= {}
     THEN \E r \in waiting :
            /\ received' = [received EXCEPT ![Current(s)] = @ + 1]
            /\ waiting' = waiting \ {r}
            /\ next' = [next EXCEPT ![s] = @ + 1]
            /\ UNCHANGED <<offer, returned>>
     ELSE /\ offer' = [offer EXCEPT ![s] = Current(s)]
          /\ UNCHANGED <<next, waiting, received, returned>>
  /\ UNCHANGED open

\* Seed: synchronous recv(src, msg) with "no src: receive any message".  A
\* sender is blocked: take its message, which releases it.  None is: block.
Receive(r) ==
  /\ open
  /\ r \notin waiting
  /\ IF Blocked /= {}
     THEN \E s \in Blocked :
            /\ received' = [received EXCEPT ![offer[s]] = @ + 1]
            /\ offer' = [offer EXCEPT ![s] = NoMsg]
            /\ next' = [next EXCEPT ![s] = @ + 1]
            /\ UNCHANGED waiting
     ELSE /\ waiting' = waiting \cup {r}
          /\ UNCHANGED <<next, offer, received>>
  /\ UNCHANGED <<returned, open>>

\* Close (issue 3): blocked senders get their message back as undelivered
\* and return; blocked receivers return "closed".
Close ==
  /\ open
  /\ open' = FALSE
  /\ returned' = returned \cup {offer[s] : s \in Blocked}
  /\ next' = [s \in Senders |-> IF s \in Blocked THEN next[s] + 1 ELSE next[s]]
  /\ offer' = [s \in Senders |-> NoMsg]
  /\ waiting' = {}
  /\ UNCHANGED received

\* After Close, once every sender has had all its messages handed back,
\* nothing is left to do: the run ends (stutters) rather than deadlocks.
Finished ==
  /\ ~open
  /\ \A s \in Senders : next[s] > MsgsPerSender
  /\ UNCHANGED vars

Next == (\E s \in Senders : Send(s)) \/ (\E r \in Receivers : Receive(r))
        \/ Close \/ Finished

\* Senders and receivers that can act eventually do.  Close is not fair:
\* the channel may stay open forever.
Spec == /\ Init /\ [][Next]_vars
        /\ \A s \in Senders : WF_vars(Send(s))
        /\ \A r \in Receivers : WF_vars(Receive(r))

-----------------------------------------------------------------------------
(* Safety *)

\* The rendezvous guarantee: a send that has returned was received, or its
\* message was handed back -- nothing sits in a buffer.
SendReturnsOnlyWhenTaken ==
  \A s \in Senders : \A i \in 1..(next[s] - 1) :
    received[<<s, i>>] = 1 \/ <<s, i>> \in returned

\* Each message is received at most once, and never both received and
\* handed back.
NoDuplication ==
  \A m \in Msg : received[m] <= 1 /\ ~(received[m] = 1 /\ m \in returned)

\* A blocked sender and a waiting receiver never coexist: they would have met.
Meet == ~(Blocked /= {} /\ waiting /= {})

(* Liveness *)

\* Every message is eventually received or handed back ...
EveryMessageResolved ==
  \A m \in Msg : <>(received[m] = 1 \/ m \in returned)
\* ... and, while the channel stays open, received.
AllReceivedUnlessClosed == <>(~open \/ \A m \in Msg : received[m] = 1)

\* A blocked sender is eventually released.
BlockedSenderReleased == \A s \in Senders : (offer[s] /= NoMsg) ~> (offer[s] = NoMsg)
=============================================================================
