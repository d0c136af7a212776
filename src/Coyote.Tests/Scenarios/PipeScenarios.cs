using VerifiedIpc.Coyote.Tests.Harness;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Streams;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// The pipe as a byte stream under every interleaving: what the reader gets, followed by what close handed back
/// and what a failed write returned, is exactly the bytes written, in order (no loss, no duplication, boundaries
/// free), and the pipe never holds more than its capacity.
/// </summary>
public static class PipeScenarios
{
    public static IEnumerable<Scenario> All =>
    [
        new("pipe.sync", () => Stream(capacity: 2, asyncWriter: false, asyncReader: false), null, "random", 200),
        new("pipe.async", () => Stream(capacity: 2, asyncWriter: true, asyncReader: true), null, "random", 200),
        new("pipe.mixed", () => Stream(capacity: 3, asyncWriter: true, asyncReader: false), null, "pct", 200),
        new("pipe.close-reader-race", CloseReaderRace, null, "random", 200),
        new("pipe.cancel-write-race", CancelWriteRace, null, "random", 200),
    ];

    private static readonly byte[] Data = [1, 2, 3, 4, 5, 6, 7];

    private static async Task Stream(int capacity, bool asyncWriter, bool asyncReader)
    {
        var pipe = new Pipe(capacity);
        var writer = Task.Run(async () =>
        {
            // Two writes of different sizes: boundaries must not matter to the reader.
            if (asyncWriter)
            {
                await pipe.WriteAsync(Data.AsMemory(0, 3));
                await pipe.WriteAsync(Data.AsMemory(3));
            }
            else
            {
                pipe.Write(Data.AsSpan(0, 3));
                pipe.Write(Data.AsSpan(3));
            }

            pipe.Close();
        });
        var reader = Task.Run(async () =>
        {
            var got = new List<byte>();
            var chunk = new byte[2];
            while (true)
            {
                var n = asyncReader ? await pipe.ReadAsync(chunk) : pipe.Read(chunk);
                Check.That(pipe.Available <= capacity, $"pipe holds {pipe.Available} bytes, over its capacity {capacity}");
                if (n == 0)
                {
                    return got;
                }

                got.AddRange(chunk.AsSpan(0, n));
            }
        });
        await Task.WhenAll(new[] { writer, reader });
        var received = await reader;
        Check.That(received.SequenceEqual(Data), $"reader got [{string.Join(",", received)}], writer wrote [{string.Join(",", Data)}]");
    }

    private static async Task CloseReaderRace()
    {
        var pipe = new Pipe(2);
        byte[] undelivered = [];
        var writer = Task.Run(() =>
        {
            try
            {
                pipe.Write(Data);
            }
            catch (EndpointClosedException e) when (e.HasUndelivered)
            {
                undelivered = (byte[])e.Undelivered!;
            }
        });
        var got = new List<byte>();
        var reader = Task.Run(() =>
        {
            var chunk = new byte[3];
            var n = pipe.Read(chunk);
            got.AddRange(chunk.AsSpan(0, n));
        });
        await reader;
        var handedBack = pipe.CloseReader();
        await writer;
        byte[] all = [.. got, .. handedBack, .. undelivered];
        Check.That(all.SequenceEqual(Data),
            $"read [{string.Join(",", got)}] + handed back [{string.Join(",", handedBack)}] + undelivered [{string.Join(",", undelivered)}] is not the bytes written");
    }

    // The writer is asynchronous on purpose. A synchronous writer disposes its cancellation registration after
    // the cancel callback may have started on the cancelling thread; CancellationTokenRegistration.Dispose then
    // blocks in a wait Coyote does not control, and Coyote reports a potential deadlock that a real run cannot
    // have (the callback only needs the lock, which the writer no longer holds). See docs/coyote.md.
    private static async Task CancelWriteRace()
    {
        var pipe = new Pipe(2);
        using var cancel = new CancellationTokenSource();
        var written = -1;
        var writer = Task.Run(async () =>
        {
            try
            {
                await pipe.WriteAsync(Data, cancel.Token);
                written = Data.Length;
            }
            catch (PartialWriteException e)
            {
                written = e.BytesWritten;
            }
            catch (OperationCanceledException)
            {
                written = 0;
            }
            finally
            {
                pipe.Close();
            }
        });
        var canceller = Task.Run(cancel.Cancel);
        var reader = Task.Run(async () =>
        {
            var got = new List<byte>();
            var chunk = new byte[4];
            int n;
            while ((n = await pipe.ReadAsync(chunk)) > 0)
            {
                got.AddRange(chunk.AsSpan(0, n));
            }

            return got;
        });
        await Task.WhenAll(new[] { writer, canceller, reader });
        var received = await reader;
        Check.That(written >= 0 && received.SequenceEqual(Data.Take(written)),
            $"writer reports {written} bytes accepted, reader got [{string.Join(",", received)}]");
    }
}
