----------------------- MODULE Pipe_EofWhileBuffered -----------------------
(***************************************************************************)
(* MUTANT of Pipe: the reader tests "closed?" before "bytes buffered?" and *)
(* reports end-of-stream on a closed pipe that still holds data; the bytes *)
(* left in the buffer are never read.                                      *)
(* Must violate: NoEofBeforeDrained.  The changed line says MUTANT.        *)
(***************************************************************************)

(***************************************************************************)
(* A pipe: one writer, one reader, a byte stream through a buffer of       *)
(* Capacity bytes.  Message boundaries are erased: a read returns whatever *)
(* bytes are there, up to what it asked for, regardless of which write put *)
(* them there.                                                             *)
(*                                                                         *)
(* Seed ("Unix pipes"): "an output stream connected to an input stream by  *)
(* a chunk of memory (a queue of bytes) ... receive (called read) is       *)
(* blocking ... message boundaries erased while reading"; and "a pipe      *)
(* implies one sender and one receiver".  As src/Reference builds it       *)
(* (issue 3), a write is buffered up to the capacity and blocks while the  *)
(* buffer is full, copying in pieces as room appears.                      *)
(*                                                                         *)
(* Close: a write blocked in the middle gets a typed error and the bytes   *)
(* it had not yet copied back; later writes fail; the reader still drains  *)
(* what is buffered and then gets end-of-stream.  CloseReader (the reader  *)
(* giving up): writers fail the same way, and the unread buffered bytes    *)
(* are handed back to the caller of CloseReader.  No byte is dropped       *)
(* silently.                                                               *)
(*                                                                         *)
(* Byte k of the stream is the number k, so the stream's integrity is a    *)
(* statement about numbers.                                                *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS Capacity,    \* bytes the pipe buffers
          Writes,      \* how many write calls the writer makes
          WriteSizes,  \* the sizes a write may have (each write picks one)
          ReadMax      \* the largest read a reader asks for

ASSUME /\ Capacity \in Nat /\ Capacity > 0
       /\ Writes \in Nat
       /\ (\A n \in WriteSizes : n \in Nat /\ n > 0) /\ WriteSizes /= {}
       /\ ReadMax \in Nat /\ ReadMax > 0

Max(S) == CHOOSE x \in S : \A y \in S : y <= x
MaxBytes == Writes * Max(WriteSizes)

VARIABLES
  buf,        \* the bytes in the pipe, oldest first
  wrote,      \* bytes copied into the pipe so far (the stream's length)
  pending,    \* bytes of the current write not yet copied (0: no write in progress)
  writes,     \* write calls completed or failed
  ends,       \* stream positions where a write ended (its boundary)
  rd,         \* bytes read so far
  handedBack, \* bytes given back to the writer as not written (after Close)
  closed,     \* the pipe is closed
  eof,        \* the reader has been told end-of-stream
  spanned,    \* some read returned bytes of two different writes
  readerGone, \* the reader has closed its end (CloseReader)
  readerBack  \* unread bytes handed back to the caller of CloseReader

vars == <<buf, wrote, pending, writes, ends, rd, handedBack, closed, eof, spanned,
          readerGone, readerBack>>

TypeOK ==
  /\ buf \in Seq(1..MaxBytes)
  /\ wrote \in 0..MaxBytes
  /\ pending \in 0..Max(WriteSizes)
  /\ writes \in 0..Writes
  /\ ends \subseteq 1..MaxBytes
  /\ rd \in 0..MaxBytes
  /\ handedBack \in 0..MaxBytes
  /\ closed \in BOOLEAN
  /\ eof \in BOOLEAN
  /\ spanned \in BOOLEAN
  /\ readerGone \in BOOLEAN
  /\ readerBack \in 0..MaxBytes

Init ==
  /\ buf = <<>>
  /\ wrote = 0
  /\ pending = 0
  /\ writes = 0
  /\ ends = {}
  /\ rd = 0
  /\ handedBack = 0
  /\ closed = FALSE
  /\ eof = FALSE
  /\ spanned = FALSE
  /\ readerGone = FALSE
  /\ readerBack = 0

Min(a, b) == IF a < b THEN a ELSE b

\* Copy k bytes of the current write into the buffer.  The write returns
\* when its last byte is in (its boundary is remembered, for `spanned`).
CopyBytes(k) ==
  /\ buf' = buf \o [i \in 1..k |-> wrote + i]
  /\ wrote' = wrote + k
  /\ pending' = pending - k
  /\ IF pending = k
     THEN /\ writes' = writes + 1
          /\ ends' = ends \cup {wrote + k}
     ELSE UNCHANGED <<writes, ends>>

\* Seed: "send (called write)".  A write call of n bytes: copy what fits,
\* block with the rest pending.  On a closed pipe the call fails at once
\* and all n bytes are handed back.
Write(n) ==
  /\ writes < Writes
  /\ pending = 0
  /\ IF closed
     THEN /\ writes' = writes + 1
          /\ handedBack' = handedBack + n
          /\ UNCHANGED <<buf, wrote, pending, ends>>
     ELSE LET k == Min(n, Capacity - Len(buf)) IN
            /\ buf' = buf \o [i \in 1..k |-> wrote + i]
            /\ wrote' = wrote + k
            /\ pending' = n - k
            /\ IF k = n THEN /\ writes' = writes + 1
                             /\ ends' = ends \cup {wrote + k}
                        ELSE UNCHANGED <<writes, ends>>
            /\ UNCHANGED handedBack
  /\ UNCHANGED <<rd, closed, eof, spanned, readerGone, readerBack>>

\* A blocked write resumes when the reader has made room, and copies more.
Copy ==
  /\ pending > 0
  /\ ~closed
  /\ Len(buf) < Capacity
  /\ CopyBytes(Min(pending, Capacity - Len(buf)))
  /\ UNCHANGED <<rd, handedBack, closed, eof, spanned, readerGone, readerBack>>

\* Seed: "receive (called read) is blocking; message boundaries erased".
\* A read of up to ReadMax bytes returns any non-empty prefix of the buffer.
Read(k) ==
  /\ ~eof /\ ~readerGone
  /\ k \in 1..Min(ReadMax, Len(buf))
  /\ buf' = SubSeq(buf, k + 1, Len(buf))
  /\ rd' = rd + k
  /\ spanned' = (spanned \/ \E e \in ends : rd < e /\ e < rd + k)
  /\ UNCHANGED <<wrote, pending, writes, ends, handedBack, closed, eof, readerGone, readerBack>>

\* A read on a closed, drained pipe returns end-of-stream.
ReadEof ==
  /\ ~eof /\ ~readerGone
  /\ closed                                 \* MUTANT: no test that buf = <<>>
  /\ eof' = TRUE
  /\ UNCHANGED <<buf, wrote, pending, writes, ends, rd, handedBack, closed, spanned, readerGone, readerBack>>

\* Close: a blocked write fails with its uncopied bytes handed back.
Close ==
  /\ ~closed
  /\ closed' = TRUE
  /\ handedBack' = handedBack + pending
  /\ pending' = 0
  /\ writes' = IF pending > 0 THEN writes + 1 ELSE writes
  /\ UNCHANGED <<buf, wrote, ends, rd, eof, spanned, readerGone, readerBack>>

\* The reader gives up (src/Reference's CloseReader): the pipe is closed for
\* writers as by Close, and the unread bytes go back to the caller.
CloseReader ==
  /\ ~readerGone /\ ~eof
  /\ readerGone' = TRUE
  /\ readerBack' = Len(buf)
  /\ buf' = <<>>
  /\ closed' = TRUE
  /\ handedBack' = handedBack + pending
  /\ pending' = 0
  /\ writes' = IF pending > 0 THEN writes + 1 ELSE writes
  /\ UNCHANGED <<wrote, ends, rd, eof, spanned>>

\* The writer has made all its calls and the reader has seen end-of-stream
\* or gone away.
Finished == (eof \/ readerGone) /\ writes = Writes /\ UNCHANGED vars

Next == \/ \E n \in WriteSizes : Write(n)
        \/ Copy
        \/ \E k \in 1..ReadMax : Read(k)
        \/ ReadEof
        \/ Close
        \/ CloseReader
        \/ Finished

\* The writer makes all its calls; the reader keeps reading.  Neither Close
\* nor CloseReader is fair: a pipe may stay open, and then the reader just
\* blocks at the end.
Spec == /\ Init /\ [][Next]_vars
        /\ WF_vars(\E n \in WriteSizes : Write(n))
        /\ WF_vars(Copy)
        /\ WF_vars(\E k \in 1..ReadMax : Read(k))
        /\ WF_vars(ReadEof)

-----------------------------------------------------------------------------
(* Safety *)

Bounded == Len(buf) <= Capacity

\* No loss, no duplication, order: the buffer holds exactly the bytes
\* after the last one read, up to the last one written.
StreamIntact ==
  /\ wrote = rd + readerBack + Len(buf)
  /\ buf = [i \in 1..Len(buf) |-> rd + readerBack + i]

\* Every byte the writer offered was either copied or handed back.
WriterAccounted == wrote + handedBack + pending <= MaxBytes

\* End-of-stream only once the pipe is closed and everything is read.
NoEofBeforeDrained == eof => (closed /\ buf = <<>> /\ rd = wrote)

\* Witness, expected to be VIOLATED: a read can return bytes of two writes
\* (the boundaries really are erased).  Checked by MCPipeBoundaries.cfg.
NoReadSpansWrites == ~spanned

(* Liveness *)

\* Every byte written is eventually read, or handed back to a reader that
\* gave up.
EveryByteRead == \A k \in 1..MaxBytes : (wrote >= k) ~> (rd + readerBack >= k)

\* A blocked write eventually completes or is failed by Close.
WriterNotStuck == (pending > 0) ~> (pending = 0)

\* After Close the reader eventually sees end-of-stream (unless it gave up).
EofAfterClose == closed ~> (eof \/ readerGone)
=============================================================================
