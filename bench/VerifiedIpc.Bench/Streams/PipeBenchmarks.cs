using System.IO.Pipes;
using BenchmarkDotNet.Attributes;
using VerifiedIpc.Reference.Streams;

namespace VerifiedIpc.Bench.Streams;

/// <summary>
/// Moving 1 MiB from a writer thread to a reader thread through a byte pipe, in chunks. Anchor: the operating
/// system's own pipe (an anonymous pipe inside this process — the seed's Unix pipe). Also shown:
/// System.IO.Pipelines, .NET's in-memory pipe.
/// </summary>
[MemoryDiagnoser]
public class PipeBenchmarks
{
    private const int Total = 1 << 20;
    private byte[] _chunk = [];
    private byte[] _readBuffer = [];

    [Params(256, 4096)]
    public int ChunkSize { get; set; }

    [Params(4096, 65536)]
    public int Capacity { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _chunk = new byte[ChunkSize];
        _readBuffer = new byte[Capacity];
    }

    [Benchmark(Baseline = true, Description = "OS anonymous pipe")]
    public long OsPipe()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None, Capacity);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var writer = Task.Factory.StartNew(() =>
        {
            for (int sent = 0; sent < Total; sent += ChunkSize)
                server.Write(_chunk, 0, ChunkSize);
            server.Dispose();
        }, TaskCreationOptions.LongRunning);
        long received = 0;
        int n;
        while ((n = client.Read(_readBuffer, 0, _readBuffer.Length)) > 0)
            received += n;
        writer.Wait();
        return received;
    }

    [Benchmark(Description = "VerifiedIpc Pipe (sync)")]
    public long ReferencePipeSync()
    {
        var pipe = new Pipe(Capacity);
        var writer = Task.Factory.StartNew(() =>
        {
            for (int sent = 0; sent < Total; sent += ChunkSize)
                pipe.Write(_chunk);
            pipe.Close();
        }, TaskCreationOptions.LongRunning);
        long received = 0;
        int n;
        while ((n = pipe.Read(_readBuffer)) > 0)
            received += n;
        writer.Wait();
        return received;
    }

    [Benchmark(Description = "VerifiedIpc Pipe (async)")]
    public async Task<long> ReferencePipeAsync()
    {
        var pipe = new Pipe(Capacity);
        var writer = Task.Run(async () =>
        {
            for (int sent = 0; sent < Total; sent += ChunkSize)
                await pipe.WriteAsync(_chunk);
            pipe.Close();
        });
        long received = 0;
        int n;
        while ((n = await pipe.ReadAsync(_readBuffer)) > 0)
            received += n;
        await writer;
        return received;
    }

    [Benchmark(Description = "System.IO.Pipelines (async)")]
    public async Task<long> Pipelines()
    {
        var pipe = new System.IO.Pipelines.Pipe(new System.IO.Pipelines.PipeOptions(pauseWriterThreshold: Capacity, resumeWriterThreshold: Capacity / 2));
        var writer = Task.Run(async () =>
        {
            for (int sent = 0; sent < Total; sent += ChunkSize)
                await pipe.Writer.WriteAsync(_chunk);
            await pipe.Writer.CompleteAsync();
        });
        long received = 0;
        while (true)
        {
            var result = await pipe.Reader.ReadAsync();
            received += result.Buffer.Length;
            pipe.Reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
                break;
        }
        await pipe.Reader.CompleteAsync();
        await writer;
        return received;
    }
}
