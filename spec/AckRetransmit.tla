--------------------------- MODULE AckRetransmit ---------------------------
(***************************************************************************)
(* Reliable delivery over a link that loses, duplicates and reorders:      *)
(* stop-and-wait with sequence numbers, acknowledgements, retransmission   *)
(* on timeout, duplicate suppression at the receiver, and retransmission   *)
(* on an out-of-sequence ack at the sender.                                *)
(*                                                                         *)
(* Seed ("Exception: losing messages"): "use ack and timeout to detect and *)
(* retransmit a lost message ... the receiver sends an ack message for     *)
(* each message ... sender blocks until an ack message is back or timeout  *)
(* ... if timeout happens and no ack, then retransmit.  Retransmission     *)
(* must handle duplicate messages on receiver side [and] out-of-sequence   *)
(* ack messages on sender side: use sequence number for each message to    *)
(* identify duplicates; remove duplicates on receiver side; sender         *)
(* retransmits on an out-of-sequence ack."                                 *)
(*                                                                         *)
(* The application hands messages 1..N to the sender in order; message i   *)
(* travels as data packet i and is acknowledged by ack packet i.  The link *)
(* holds up to MaxCopies copies of each packet, in no order: any copy may  *)
(* be delivered next (reorder), copied (Duplicate) or dropped (Lose).      *)
(*                                                                         *)
(* The sender and receiver together are checked to refine FifoChannel:    *)
(* seen from the application, this is a reliable FIFO channel.            *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS N,          \* messages the application sends
          MaxCopies   \* copies of one packet the link can hold at once

ASSUME N \in Nat /\ N > 0 /\ MaxCopies \in Nat /\ MaxCopies > 0

Packets == ({"data"} \X (1..N)) \cup ({"ack"} \X (1..N))
Data(i) == <<"data", i>>
AckPkt(i) == <<"ack", i>>

VARIABLES
  sent,       \* messages the sender has accepted from the application
  acked,      \* messages the sender knows are acknowledged
  delivered,  \* messages the receiver has handed to its application, in order
  link        \* packet -> copies of it in flight

vars == <<sent, acked, delivered, link>>

TypeOK ==
  /\ sent \in 0..N
  /\ acked \in 0..N
  /\ delivered \in Seq(1..N)
  /\ link \in [Packets -> 0..MaxCopies]

Init ==
  /\ sent = 0
  /\ acked = 0
  /\ delivered = <<>>
  /\ link = [p \in Packets |-> 0]

\* Put one more copy of p on the link; a full link drops it (a loss).
Put(p) == [link EXCEPT ![p] = IF @ < MaxCopies THEN @ + 1 ELSE @]
Rcvd == Len(delivered)

\* Seed: send(dest, msg, timeout): the sender accepts the next message and
\* transmits it, once the previous one is acknowledged (stop-and-wait).
Send ==
  /\ sent = acked
  /\ sent < N
  /\ sent' = sent + 1
  /\ link' = Put(Data(sent + 1))
  /\ UNCHANGED <<acked, delivered>>

\* Seed: "if timeout happens and no ack, then retransmit the message".  The
\* timer may fire early; only a full link stops a retransmission.
Timeout ==
  /\ sent > acked
  /\ link[Data(sent)] < MaxCopies
  /\ link' = Put(Data(sent))
  /\ UNCHANGED <<sent, acked, delivered>>

\* The receiver gets data packet i.  Seed: "use sequence number for each
\* message to identify duplicates; remove duplicates on receiver side".
\* The next expected message is delivered; an old one is suppressed.  Both
\* are acknowledged (the earlier ack may have been lost).
Receive(i) ==
  /\ link[Data(i)] > 0
  /\ delivered' = IF i = Rcvd + 1 THEN Append(delivered, i) ELSE delivered
  /\ link' = [Put(AckPkt(i)) EXCEPT ![Data(i)] = @ - 1]
  /\ UNCHANGED <<sent, acked>>

\* The sender gets ack i.  The ack of the outstanding message completes the
\* send.  Seed: "sender retransmits on an out-of-sequence ack".
Ack(i) ==
  /\ link[AckPkt(i)] > 0
  /\ IF i = sent /\ sent > acked
     THEN /\ acked' = sent
          /\ link' = [link EXCEPT ![AckPkt(i)] = @ - 1]
     ELSE /\ link' = IF sent > acked
                     THEN [Put(Data(sent)) EXCEPT ![AckPkt(i)] = @ - 1]
                     ELSE [link EXCEPT ![AckPkt(i)] = @ - 1]
          /\ UNCHANGED acked
  /\ UNCHANGED <<sent, delivered>>

\* The link loses a copy of p.
Lose(p) ==
  /\ link[p] > 0
  /\ link' = [link EXCEPT ![p] = @ - 1]
  /\ UNCHANGED <<sent, acked, delivered>>

\* The link duplicates a copy of p.
Duplicate(p) ==
  /\ link[p] \in 1..(MaxCopies - 1)
  /\ link' = [link EXCEPT ![p] = @ + 1]
  /\ UNCHANGED <<sent, acked, delivered>>

\* Everything sent and acknowledged, nothing left in flight.
Finished ==
  /\ acked = N
  /\ \A p \in Packets : link[p] = 0
  /\ UNCHANGED vars

Next == \/ Send \/ Timeout
        \/ \E i \in 1..N : Receive(i) \/ Ack(i)
        \/ \E p \in Packets : Lose(p) \/ Duplicate(p)
        \/ Finished

\* Fairness: the application keeps sending, the timer keeps firing while a
\* message is unacknowledged (weak fairness), and a packet that the link
\* offers again and again is eventually delivered (strong fairness: losses
\* may disable delivery in between).  Lose and Duplicate are never forced.
Fairness ==
  /\ WF_vars(Send)
  /\ WF_vars(Timeout)
  /\ \A i \in 1..N : SF_vars(Receive(i)) /\ SF_vars(Ack(i))

Spec == Init /\ [][Next]_vars /\ Fairness

\* The same protocol when the retransmission timer is not fair: it may stop
\* firing.  Kept to show why Timeout needs fairness (see mutants/).
SpecWithoutRetransmitFairness ==
  /\ Init /\ [][Next]_vars
  /\ WF_vars(Send)
  /\ \A i \in 1..N : SF_vars(Receive(i)) /\ SF_vars(Ack(i))

-----------------------------------------------------------------------------
(* Safety *)

\* No loss, no duplication, order: the receiver's application gets 1, 2, ...
InOrder == delivered = [k \in 1..Len(delivered) |-> k]

\* An acknowledged message was really delivered.
AckedImpliesDelivered == acked <= Rcvd

\* Stop-and-wait: at most one message outstanding; the receiver never runs
\* ahead of the sender.
StopAndWait == /\ sent - acked \in {0, 1}
               /\ Rcvd <= sent

(* Liveness, under Fairness *)

\* Every message the sender accepted is eventually delivered.
EveryMessageDelivered == \A i \in 1..N : (sent >= i) ~> (Rcvd >= i)

\* The sender eventually has every message acknowledged.
AllAcked == <>(acked = N)

(* Refinement: seen from the applications, an ideal FIFO channel. *)
InTransit == [k \in 1..(sent - Rcvd) |-> Rcvd + k]
Abs == INSTANCE FifoChannel WITH Msg <- 1..N, queue <- InTransit
AbsSpec == Abs!Spec
=============================================================================
