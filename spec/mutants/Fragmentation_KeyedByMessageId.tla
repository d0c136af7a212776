--------------------- MODULE Fragmentation_KeyedByMessageId ---------------------
(***************************************************************************)
(* MUTANT of Fragmentation: the reassembly table is keyed by message id    *)
(* alone, and every sender numbers its messages from 1, so the packets of  *)
(* two senders that interleave on the link land in the same buffer.       *)
(* Must violate: Integrity (a delivered message carries another sender's  *)
(* bytes).  Changed lines say MUTANT.                                      *)
(***************************************************************************)

(***************************************************************************)
(* Large messages split into packets of PacketSize bytes, sent over one    *)
(* shared in-order link on which the packets of different senders          *)
(* interleave, and reassembled at the receiver.  A message larger than     *)
(* MaxSize is refused at the send, with a typed error.                     *)
(*                                                                         *)
(* Seed ("Indirect communication"): "Fixed sized messages?  Not            *)
(* necessarily.  One can break a large message into packets"; and "What   *)
(* should msg be?  Need both buffer and size for a variable sized          *)
(* message."                                                               *)
(*                                                                         *)
(* Reassembly is keyed by the sending process: packets of two senders that *)
(* interleave on the link must never be glued into one message.  Byte k of *)
(* sender s's message is <<s, k>>, so a mixed-up message is visible.       *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS Senders,     \* sending processes (model values); each sends one message
          Sizes,       \* the sizes a message may have (each sender picks one)
          PacketSize,  \* payload bytes per packet
          MaxSize,     \* the cap on a message's total size
          NoMsg        \* model value: nothing delivered yet

ASSUME /\ PacketSize \in Nat /\ PacketSize > 0
       /\ (\A n \in Sizes : n \in Nat /\ n > 0) /\ Sizes /= {}
       /\ MaxSize \in Nat

Max(S) == CHOOSE x \in S : \A y \in S : y <= x
Min(a, b) == IF a < b THEN a ELSE b

\* The message sender s sends when it picks size n.
Message(s, n) == [k \in 1..n |-> <<s, k>>]
\* Packets needed for n bytes: the last one may be short.
NumPackets(n) == (n + PacketSize - 1) \div PacketSize
\* Payload of packet i (1-based) of s's n-byte message.
Payload(s, n, i) ==
  [k \in 1..(Min(i * PacketSize, n) - (i - 1) * PacketSize) |-> <<s, (i - 1) * PacketSize + k>>]

\* MUTANT: the slot for message id 1 -- the same for every sender.
Slot(p) == CHOOSE s \in Senders : TRUE

Bytes   == Senders \X (1..Max(Sizes))
PacketOK(p) ==
  /\ DOMAIN p = {"src", "idx", "last", "data"}
  /\ p.src \in Senders
  /\ p.idx \in 1..NumPackets(Max(Sizes))
  /\ p.last \in BOOLEAN
  /\ p.data \in Seq(Bytes)

VARIABLES
  status,    \* sender -> "idle" | "sending" | "sent" | "refused"
  size,      \* sender -> size of its message (0 before it picks)
  nextPkt,   \* sender -> number of the next packet it puts on the link
  link,      \* packets in flight, oldest first
  partial,   \* sender -> bytes reassembled so far for its current message
  delivered  \* sender -> the reassembled message handed to the receiver, or NoMsg

vars == <<status, size, nextPkt, link, partial, delivered>>

TypeOK ==
  /\ status \in [Senders -> {"idle", "sending", "sent", "refused"}]
  /\ size \in [Senders -> 0..Max(Sizes)]
  /\ nextPkt \in [Senders -> 1..(NumPackets(Max(Sizes)) + 1)]
  /\ \A i \in 1..Len(link) : PacketOK(link[i])
  /\ DOMAIN partial = Senders /\ \A s \in Senders : partial[s] \in Seq(Bytes)
  /\ DOMAIN delivered = Senders
  /\ \A s \in Senders : delivered[s] = NoMsg \/ delivered[s] \in Seq(Bytes)

Init ==
  /\ status = [s \in Senders |-> "idle"]
  /\ size = [s \in Senders |-> 0]
  /\ nextPkt = [s \in Senders |-> 1]
  /\ link = <<>>
  /\ partial = [s \in Senders |-> <<>>]
  /\ delivered = [s \in Senders |-> NoMsg]

\* Seed: send(dest, msg) with "both buffer and size".  Over the cap: refused
\* (a typed error, nothing sent).
Send(s, n) ==
  /\ status[s] = "idle"
  /\ size' = [size EXCEPT ![s] = n]
  /\ status' = [status EXCEPT ![s] = IF n > MaxSize THEN "refused" ELSE "sending"]
  /\ UNCHANGED <<nextPkt, link, partial, delivered>>

\* Seed: "break a large message into packets": put the next packet on the link.
Fragment(s) ==
  /\ status[s] = "sending"
  /\ LET i == nextPkt[s]
         last == (i = NumPackets(size[s])) IN
       /\ link' = Append(link, [src |-> s, idx |-> i, last |-> last,
                                data |-> Payload(s, size[s], i)])
       /\ nextPkt' = [nextPkt EXCEPT ![s] = i + 1]
       /\ status' = [status EXCEPT ![s] = IF last THEN "sent" ELSE "sending"]
  /\ UNCHANGED <<size, partial, delivered>>

\* Receive a packet that is not the last of its message: append its payload
\* to the reassembly buffer of its sender.
Receive ==
  /\ link /= <<>>
  /\ ~Head(link).last
  /\ LET p == Head(link) IN
       partial' = [partial EXCEPT ![Slot(p)] = @ \o p.data]   \* MUTANT
  /\ link' = Tail(link)
  /\ UNCHANGED <<status, size, nextPkt, delivered>>

\* Receive the last packet: the message is whole; hand it over.
Deliver ==
  /\ link /= <<>>
  /\ Head(link).last
  /\ LET p == Head(link) IN
       /\ delivered' = [delivered EXCEPT ![p.src] = partial[Slot(p)] \o p.data]   \* MUTANT
       /\ partial' = [partial EXCEPT ![Slot(p)] = <<>>]                          \* MUTANT
  /\ link' = Tail(link)
  /\ UNCHANGED <<status, size, nextPkt>>

\* Every sender has sent or been refused and the link is empty.
Finished ==
  /\ \A s \in Senders : status[s] \in {"sent", "refused"}
  /\ link = <<>>
  /\ UNCHANGED vars

Next == \/ \E s \in Senders : (\E n \in Sizes : Send(s, n)) \/ Fragment(s)
        \/ Receive \/ Deliver \/ Finished

Spec == /\ Init /\ [][Next]_vars
        /\ \A s \in Senders : WF_vars(Fragment(s))
        /\ WF_vars(Receive \/ Deliver)

-----------------------------------------------------------------------------
(* Safety *)

\* Every packet carries 1..PacketSize bytes.
PacketsBounded == \A i \in 1..Len(link) : Len(link[i].data) \in 1..PacketSize

\* The cap: only messages of at most MaxSize bytes are sent; larger ones are
\* refused.
CapRespected ==
  \A s \in Senders :
    /\ status[s] \in {"sending", "sent"} => size[s] <= MaxSize
    /\ status[s] = "refused" => size[s] > MaxSize

\* Each reassembly buffer holds the beginning of one sender's message ...
PartialIsPrefix ==
  \A s \in Senders : \A k \in 1..Len(partial[s]) :
    partial[s][k] = <<partial[s][1][1], k>>

\* ... and a delivered message is exactly the message that was sent: nothing
\* lost, duplicated, reordered, or borrowed from another sender.
Integrity ==
  \A s \in Senders : delivered[s] /= NoMsg => delivered[s] = Message(s, size[s])

(* Liveness *)

\* Every message that is not refused is eventually delivered whole.
EveryMessageDelivered ==
  \A s \in Senders : (status[s] = "sending") ~> (delivered[s] /= NoMsg)
=============================================================================
