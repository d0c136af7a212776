---------------------------- MODULE FifoChannel ----------------------------
(***************************************************************************)
(* The ideal channel: what every reliable, buffered link of this project  *)
(* must look like from outside.  Messages leave in the order they were     *)
(* sent, none is lost, none is duplicated, and a message that is waiting   *)
(* is eventually received.                                                 *)
(*                                                                         *)
(* It is the seed's "send(dest, msg) / receive(src, msg)" over a link with *)
(* unbounded buffering and nothing that can go wrong.  BoundedBuffer and   *)
(* AckRetransmit are checked to refine it (PROPERTY AbsSpec in their cfg): *)
(* the monitor with its lock and wait sets, and the protocol over a lossy  *)
(* link, must both behave like this queue.                                 *)
(***************************************************************************)
EXTENDS Sequences

CONSTANT Msg        \* the messages that can be sent

VARIABLE queue      \* the messages sent and not yet received, oldest first

TypeOK == queue \in Seq(Msg)

Init == queue = <<>>

\* Seed: send(dest, msg) on an unbounded buffer -- the sender never blocks.
Send(m) == queue' = Append(queue, m)

\* Seed: receive(src, msg) -- takes the oldest message; blocks (is not
\* enabled) while the buffer is empty.
Receive == /\ queue /= <<>>
           /\ queue' = Tail(queue)

Next == (\E m \in Msg : Send(m)) \/ Receive

\* Weak fairness on Receive: a message that stays waiting is received.
Spec == Init /\ [][Next]_queue /\ WF_queue(Receive)
=============================================================================
