--------------------------- MODULE RendezvousTrace ---------------------------
(***************************************************************************)
(* Trace validation of the reference rendezvous (src/Reference,            *)
(* RendezvousBuffer) against Rendezvous: does the spec allow the NDJSON   *)
(* trace named by the environment variable VIPC_TRACE?                     *)
(*                                                                         *)
(* The spec works at the grain of whole hand-offs; the implementation     *)
(* logs finer steps, each of which is one spec step or none:              *)
(*   Wait (sender s)    s parks its message and blocks: Send(s), the      *)
(*                      branch with no receiver waiting.  A Wait after a  *)
(*                      Wake of a still-parked sender is the `while`      *)
(*                      waiting again: no step.                           *)
(*   Wait (receiver r)  r blocks: Receive(r), the branch with no sender   *)
(*                      parked; again, a repeated Wait is no step.        *)
(*   Send then Receive  one exchange, logged as two events under the lock *)
(*                      (Send names the sender, Receive the receiver): at *)
(*                      Send, Send(s) hands over to the waiting receiver  *)
(*                      named by the next event, or that receiver's       *)
(*                      Receive(r) takes s's parked message; Receive then *)
(*                      only confirms the message moved.                  *)
(*   Close              Close.                                            *)
(*   HandBack (sender)  a message returned to its sender: one Close put   *)
(*                      there, or a send after Close (Send(s), closed).   *)
(*   Closed (receiver)  a receive ended "closed": a receiver Close        *)
(*                      released returns (no step: Close did it in the    *)
(*                      spec), or a receive called after Close.           *)
(* The spec's Close is one step that releases every blocked process; the  *)
(* implementation shows it as Close followed, in time, by each released   *)
(* receiver's Closed and each parked message's HandBack.  A trace of a    *)
(* run that ended (vipc validate --complete) must show them all:          *)
(* TraceComplete.  Without it a Close that wakes nobody (a lost wake-up)  *)
(* would pass, since every prefix of that run is a prefix the spec allows.*)
(*   Wake, Broadcast    Monitor.Wait returned / PulseAll: no step.        *)
(* Asynchronous senders and receivers park exactly like blocked ones (the *)
(* spec does not tell a parked task from a blocked thread).  Cancel and   *)
(* Timeout are outside the spec's vocabulary and are rejected.            *)
(***************************************************************************)
EXTENDS Rendezvous, Json, IOUtils, Naturals, Sequences, FiniteSets

Trace == ndJsonDeserialize(IOEnv.VIPC_TRACE)

Has(e, f) == f \in DOMAIN e
RoleIs(e, r) == Has(e, "role") /\ e.role = r
MaxOf(S) == CHOOSE m \in S : \A n \in S : n <= m

(* Constants the cfg takes from the trace. *)
TraceSenders == {Trace[i].proc : i \in {j \in 1..Len(Trace) : RoleIs(Trace[j], "sender")}}
TraceReceivers == {Trace[i].proc : i \in {j \in 1..Len(Trace) : RoleIs(Trace[j], "receiver")}}
\* One more than the highest message number logged: a synchronous sender's
\* Wait carries no message, so a send the trace cuts off shows no number.
TraceMsgsPerSender ==
  1 + MaxOf({Trace[i].msg[2] : i \in {j \in 1..Len(Trace) : RoleIs(Trace[j], "sender") /\ Has(Trace[j], "msg")}} \cup {0})

VARIABLES
  l,           \* the cursor: number of the next event to match
  handedBack,  \* messages whose HandBack has been logged
  released     \* receivers Close released whose Closed is yet to be logged

TraceInit == /\ l = 1
             /\ handedBack = {}
             /\ released = {}
             /\ Init

\* The event at the cursor is of kind k.  It reads the cursor alone, so the
\* validator evaluates it once per event and skips the actions of other kinds.
IsEvent(k) == /\ l <= Len(Trace)
              /\ Trace[l].kind = k
\* The step consumes the event.
Advance == l' = l + 1
E == Trace[l]

\* The receiver of the exchange whose Send is at the cursor: the next event.
Partner == IF l + 1 <= Len(Trace) /\ Trace[l + 1].kind = "Receive"
           THEN {Trace[l + 1].proc} ELSE Receivers

SenderWaitEvent ==
  /\ IsEvent("Wait")
  /\ Advance
  /\ RoleIs(E, "sender")
  /\ E.proc \in Senders
  /\ IF offer[E.proc] = NoMsg
     THEN /\ Has(E, "msg") => E.msg = Current(E.proc)
          /\ Send(E.proc)
          /\ offer'[E.proc] /= NoMsg
     \* Waiting again holds the same parked message; a Wait with another
     \* message means the sender returned while its message was parked.
     ELSE /\ Has(E, "msg") => E.msg = offer[E.proc]
          /\ UNCHANGED vars
  /\ UNCHANGED <<handedBack, released>>

ReceiverWaitEvent ==
  /\ IsEvent("Wait")
  /\ Advance
  /\ RoleIs(E, "receiver")
  /\ E.proc \in Receivers
  /\ IF E.proc \notin waiting
     THEN Receive(E.proc) /\ E.proc \in waiting'
     ELSE UNCHANGED vars
  /\ UNCHANGED <<handedBack, released>>

SendEvent ==
  /\ IsEvent("Send")
  /\ Advance
  /\ E.proc \in Senders
  /\ \/ \* hand-over: the receiver was waiting
        /\ offer[E.proc] = NoMsg
        /\ Has(E, "msg") => E.msg = Current(E.proc)
        /\ Send(E.proc)
        /\ \E r \in Partner : waiting' = waiting \ {r} /\ r \in waiting
     \/ \* take-over: the receiver takes the parked message
        /\ offer[E.proc] /= NoMsg
        /\ Has(E, "msg") => E.msg = offer[E.proc]
        /\ \E r \in Partner : Receive(r)
        /\ offer'[E.proc] = NoMsg
  /\ UNCHANGED <<handedBack, released>>

ReceiveEvent ==
  /\ IsEvent("Receive")
  /\ Advance
  /\ E.proc \in Receivers
  /\ l > 1 /\ Trace[l - 1].kind = "Send"
  /\ Has(E, "msg") => (Has(Trace[l - 1], "msg") /\ E.msg = Trace[l - 1].msg /\ received[E.msg] = 1)
  /\ UNCHANGED <<vars, handedBack, released>>

CloseEvent ==
  /\ IsEvent("Close")
  /\ Advance
  /\ Close
  /\ released' = waiting
  /\ UNCHANGED handedBack

ClosedEvent ==
  /\ IsEvent("Closed")
  /\ Advance
  /\ RoleIs(E, "receiver")
  /\ E.proc \in Receivers
  /\ ~open
  /\ released' = released \ {E.proc}
  /\ UNCHANGED <<vars, handedBack>>

HandBackEvent ==
  /\ IsEvent("HandBack")
  /\ Advance
  /\ RoleIs(E, "sender")
  /\ E.proc \in Senders
  /\ Has(E, "msg")
  /\ E.msg \notin handedBack
  /\ handedBack' = handedBack \cup {E.msg}
  /\ UNCHANGED released
  /\ \/ E.msg \in returned /\ UNCHANGED vars
     \/ ~open /\ offer[E.proc] = NoMsg /\ E.msg = Current(E.proc) /\ Send(E.proc)

NoStepEvent ==
  /\ \/ IsEvent("Wake") /\ E.proc \in Senders \cup Receivers
     \/ IsEvent("Broadcast")
  /\ Advance
  /\ UNCHANGED <<vars, handedBack, released>>

TraceNext ==
  \/ SenderWaitEvent \/ ReceiverWaitEvent \/ SendEvent \/ ReceiveEvent
  \/ CloseEvent \/ ClosedEvent \/ HandBackEvent \/ NoStepEvent

\* The run may end here: every receiver Close released has returned, and
\* every message Close handed back in the spec has reached its sender.
TraceComplete == released = {} /\ returned \subseteq handedBack
=============================================================================
