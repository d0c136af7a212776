--------------------------- MODULE SlidingWindow ---------------------------
(***************************************************************************)
(* A sliding-window protocol between two endpoints A and B that both send *)
(* data, over a link that loses, duplicates and reorders.  Each sender may *)
(* have up to W messages unacknowledged; on a timeout it sends the oldest  *)
(* unacknowledged one again (as TCP does); the receiver takes only the     *)
(* next message in sequence (go-back-N).  Acks are cumulative ("I have    *)
(* everything before k") and ride piggy-back on the data going the other   *)
(* way; an endpoint with nothing to send that owes an ack sends one bare   *)
(* ack covering everything it has received since its last ack.             *)
(*                                                                         *)
(* Seed ("Exception: losing messages (cont'd)"): "Reduce ack messages --   *)
(* bundle ack messages ... piggy-back acks in send messages"; sequence     *)
(* numbers "to identify duplicates"; "remove duplicates on receiver side". *)
(*                                                                         *)
(* Sequence numbers are not reused (no wrap-around): on a link that can    *)
(* delay a packet arbitrarily, a reused number is ambiguous (mutants of    *)
(* the conformance corpus show that).  A packet is [seq, ack]; seq 0 is a  *)
(* bare ack.  The link is a set of packets per direction: any packet may   *)
(* be delivered next, delivered and kept (Duplicate), or dropped (Lose).   *)
(* Each direction holds at most LinkCapacity distinct packets; a packet    *)
(* sent into a full link pushes out one that is there (which is lost).     *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS NA,   \* messages A sends to B
          NB,   \* messages B sends to A
          W,    \* window: most messages a sender may have unacknowledged
          LinkCapacity  \* distinct packets one direction of the link holds

ASSUME NA \in Nat /\ NB \in Nat /\ W \in Nat /\ W > 0 /\ LinkCapacity \in Nat /\ LinkCapacity > 0

Ends == {"A", "B"}
Peer(e) == IF e = "A" THEN "B" ELSE "A"
Count(e) == IF e = "A" THEN NA ELSE NB
MaxN == IF NA > NB THEN NA ELSE NB

VARIABLES
  base,     \* endpoint -> oldest message of its own not yet acknowledged
  nxt,      \* endpoint -> next of its own messages to send for the first time
  got,      \* endpoint -> messages it has delivered from its peer, in order
  ackOwed,  \* endpoint -> it has received data since it last sent its ack
  net       \* endpoint -> packets it has sent that are in flight

vars == <<base, nxt, got, ackOwed, net>>

TypeOK ==
  /\ base \in [Ends -> 1..(MaxN + 1)]
  /\ nxt \in [Ends -> 1..(MaxN + 1)]
  /\ got \in [Ends -> Seq(1..MaxN)]
  /\ ackOwed \in [Ends -> BOOLEAN]
  /\ DOMAIN net = Ends
  /\ \A e \in Ends : /\ net[e] \subseteq [seq : 0..MaxN, ack : 1..(MaxN + 1)]
                    /\ Cardinality(net[e]) <= LinkCapacity

Init ==
  /\ base = [e \in Ends |-> 1]
  /\ nxt = [e \in Ends |-> 1]
  /\ got = [e \in Ends |-> <<>>]
  /\ ackOwed = [e \in Ends |-> FALSE]
  /\ net = [e \in Ends |-> {}]

\* e's cumulative ack: the next message it expects from its peer.
AckOf(e) == Len(got[e]) + 1
Max(a, b) == IF a > b THEN a ELSE b

\* e puts packet p on its direction of the link.  A full link makes room
\* by dropping some packet already in it.
Put(e, p) ==
  \E q \in IF Cardinality(net[e]) < LinkCapacity THEN {p} ELSE net[e] :
    net' = [net EXCEPT ![e] = (@ \ {q}) \cup {p}]

\* Seed: send(dest, msg), asynchronous up to the window: send the next
\* message if fewer than W are unacknowledged; its ack field carries e's
\* cumulative ack (piggy-backing), which settles what e owed.
Send(e) ==
  /\ nxt[e] <= Count(e)
  /\ nxt[e] < base[e] + W
  /\ Put(e, [seq |-> nxt[e], ack |-> AckOf(e)])
  /\ nxt' = [nxt EXCEPT ![e] = @ + 1]
  /\ ackOwed' = [ackOwed EXCEPT ![e] = FALSE]
  /\ UNCHANGED <<base, got>>

\* Seed: "if timeout happens and no ack, then retransmit": the oldest
\* unacknowledged message goes again, with a fresh piggy-backed ack.  The
\* timer may fire early; a retransmission already in flight is not repeated.
Timeout(e) ==
  /\ base[e] < nxt[e]
  /\ [seq |-> base[e], ack |-> AckOf(e)] \notin net[e]
  /\ Put(e, [seq |-> base[e], ack |-> AckOf(e)])
  /\ ackOwed' = [ackOwed EXCEPT ![e] = FALSE]
  /\ UNCHANGED <<base, nxt, got>>

\* Seed: "bundle ack messages": one bare cumulative ack for everything
\* received since the last ack, when there is no data to carry it.
Ack(e) ==
  /\ ackOwed[e]
  /\ Put(e, [seq |-> 0, ack |-> AckOf(e)])
  /\ ackOwed' = [ackOwed EXCEPT ![e] = FALSE]
  /\ UNCHANGED <<base, nxt, got>>

\* e processes packet p from its peer: the cumulative ack slides e's window
\* (never backwards: an old ack may arrive late); data in sequence is
\* delivered, anything else is a duplicate or out of order and is dropped
\* -- either way e owes an ack, so the peer learns where e stands.
Process(e, p) ==
  /\ base' = [base EXCEPT ![e] = Max(@, p.ack)]
  /\ IF p.seq = 0
     THEN UNCHANGED <<got, ackOwed>>
     ELSE /\ got' = [got EXCEPT ![e] = IF p.seq = Len(@) + 1 THEN Append(@, p.seq) ELSE @]
          /\ ackOwed' = [ackOwed EXCEPT ![e] = TRUE]
  /\ UNCHANGED nxt

\* The link hands packet p to e.
Deliver(e, p) ==
  /\ p \in net[Peer(e)]
  /\ Process(e, p)
  /\ net' = [net EXCEPT ![Peer(e)] = @ \ {p}]

\* The link hands e a copy of p and keeps p: it may arrive again.
Duplicate(e, p) ==
  /\ p \in net[Peer(e)]
  /\ Process(e, p)
  /\ UNCHANGED net

\* The link drops packet p that e sent.
Lose(e, p) ==
  /\ p \in net[e]
  /\ net' = [net EXCEPT ![e] = @ \ {p}]
  /\ UNCHANGED <<base, nxt, got, ackOwed>>

\* Both directions complete and acknowledged, nothing in flight or owed.
Finished ==
  /\ \A e \in Ends : base[e] = Count(e) + 1 /\ net[e] = {} /\ ~ackOwed[e]
  /\ UNCHANGED vars

Next == \/ \E e \in Ends : Send(e) \/ Timeout(e) \/ Ack(e)
        \/ \E e \in Ends : \E p \in net[Peer(e)] : Deliver(e, p) \/ Duplicate(e, p)
        \/ \E e \in Ends : \E p \in net[e] : Lose(e, p)
        \/ Finished

\* A packet that moves things forward: data (which e delivers or, if it is
\* a duplicate, answers with its ack) or an ack that slides e's window.
\* Only bare acks that tell e nothing new are not useful.
Useful(e, p) == p.seq > 0 \/ p.ack > base[e]
DeliverUseful(e) == \E p \in net[Peer(e)] : Useful(e, p) /\ Deliver(e, p)

\* Senders keep sending, timers keep firing while something is unacked,
\* owed acks are eventually sent, and a link that offers useful packets
\* again and again eventually delivers one (strong fairness: losses may
\* take them away in between).  Lose and Duplicate are never forced.
Fairness ==
  /\ \A e \in Ends : WF_vars(Send(e)) /\ WF_vars(Timeout(e)) /\ WF_vars(Ack(e))
  /\ \A e \in Ends : SF_vars(DeliverUseful(e))

Spec == Init /\ [][Next]_vars /\ Fairness

-----------------------------------------------------------------------------
(* Safety *)

\* No loss, no duplication, order, in both directions.
InOrder == \A e \in Ends : got[e] = [k \in 1..Len(got[e]) |-> k]

\* Never more than W messages unacknowledged.
WindowBound == \A e \in Ends : base[e] <= nxt[e] /\ nxt[e] - base[e] <= W

\* A cumulative ack never covers a message the peer has not delivered.
AckSound == \A e \in Ends : base[e] <= AckOf(Peer(e))

\* Action property: a window never slides backwards.
WindowNeverRetreats == [][\A e \in Ends : base'[e] >= base[e]]_vars

(* Liveness, under Fairness *)

\* Every message sent is eventually delivered.
EveryMessageDelivered ==
  \A e \in Ends : \A i \in 1..Count(e) : (nxt[e] > i) ~> (Len(got[Peer(e)]) >= i)

\* Both sides eventually have all their messages acknowledged.
AllAcked == <>(\A e \in Ends : base[e] = Count(e) + 1)
=============================================================================
