namespace VerifiedIpc.Reference.Streams;

/// <summary>
/// A caller's cancellation token combined with an optional timeout measured on a <see cref="TimeProvider"/>,
/// so that one wait mechanism (cancellation) serves both and fake time drives timeouts in tests.
/// Allocation only happens when a finite timeout is given.
/// </summary>
internal readonly struct Deadline : IDisposable
{
    private readonly CancellationTokenSource? _timeout;
    private readonly CancellationTokenSource? _linked;

    public Deadline(TimeSpan timeout, TimeProvider time, CancellationToken token)
    {
        Caller = token;
        if (timeout == System.Threading.Timeout.InfiniteTimeSpan)
        {
            Token = token;
            return;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero, nameof(timeout));
        _timeout = new CancellationTokenSource(System.Threading.Timeout.InfiniteTimeSpan, time);
        if (timeout == TimeSpan.Zero)
            _timeout.Cancel(); // a zero timeout means "try once": cancelled before any wait can start
        else
            _timeout.CancelAfter(timeout);
        _linked = token.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(token, _timeout.Token) : null;
        Token = _linked?.Token ?? _timeout.Token;
        Timeout = timeout;
    }

    /// <summary>The token to wait on: fires on the caller's cancellation or when the timeout elapses.</summary>
    public CancellationToken Token { get; }

    public CancellationToken Caller { get; }

    public TimeSpan Timeout { get; }

    /// <summary>
    /// Throws the error that matches why <see cref="Token"/> fired: the caller's cancellation wins over the
    /// timeout when both happened, because the caller asked for it explicitly.
    /// </summary>
    public void ThrowIfExpired(string operation)
    {
        if (!Token.IsCancellationRequested)
            return;
        Caller.ThrowIfCancellationRequested();
        throw new TimeoutException($"{operation} did not complete within {Timeout}.");
    }

    public void Dispose()
    {
        _linked?.Dispose();
        _timeout?.Dispose();
    }
}
