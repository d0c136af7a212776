namespace VerifiedIpc.Reference.Streams;

/// <summary>
/// Steps of a <see cref="Pipe"/>, named after the actions of <c>spec/Pipe.tla</c> so that a trace can be checked
/// against the spec step by step.
/// </summary>
public enum PipeAction
{
    /// <summary>A write call's first attempt: <see cref="PipeTraceEvent.Requested"/> bytes asked for,
    /// <see cref="PipeTraceEvent.Bytes"/> of them copied in at once (0 when the pipe was full). Spec: Write(n).</summary>
    Write,
    /// <summary>A blocked write copied more of its bytes once room appeared. Spec: Copy.</summary>
    Copy,
    /// <summary>A read took <see cref="PipeTraceEvent.Bytes"/> bytes. Spec: Read(k).</summary>
    Read,
    /// <summary>A read on a closed, drained pipe returned end of stream. Spec: ReadEof.</summary>
    ReadEof,
    /// <summary>The writer's end was closed. Spec: Close.</summary>
    Close,
    /// <summary>The reader gave up; <see cref="PipeTraceEvent.Bytes"/> unread bytes went back to it. Spec: CloseReader.</summary>
    CloseReader,
    /// <summary>A write on a closed pipe failed; its <see cref="PipeTraceEvent.Bytes"/> unaccepted bytes went back
    /// to the writer. Spec: the handedBack part of Write, Close and CloseReader.</summary>
    HandBack,
}

/// <summary>One traced pipe step.</summary>
/// <param name="Pipe">The pipe's name.</param>
/// <param name="Action">The step.</param>
/// <param name="Requested">Bytes the write call asked to write (Write only; 0 otherwise).</param>
/// <param name="Bytes">Bytes moved by the step (copied in, read out, handed back).</param>
/// <param name="Count">Bytes buffered right after the step.</param>
public readonly record struct PipeTraceEvent(string Pipe, PipeAction Action, int Requested, int Bytes, int Count);

/// <summary>
/// Receives every step of a pipe, under the pipe's lock, in the order the steps took effect. Must be quick, must not
/// block and must not call back into the pipe. Null (the default) costs one null check per step.
/// </summary>
public interface IPipeTracer
{
    /// <summary>Called once per step, under the pipe's lock.</summary>
    void OnEvent(in PipeTraceEvent e);
}
