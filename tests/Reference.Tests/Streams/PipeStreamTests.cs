using System.Text;
using VerifiedIpc.Reference.Streams;

namespace VerifiedIpc.Reference.Tests.Streams;

public sealed class PipeStreamTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Text_written_with_a_StreamWriter_is_read_back_with_a_StreamReader()
    {
        var pipe = new Pipe(5); // smaller than a line: forces many partial writes and reads
        string text = string.Join("\n", Enumerable.Range(0, 200).Select(i => $"line {i} ünïcödé"));
        var writer = Task.Run(async () =>
        {
            await using var w = new StreamWriter(pipe.AsWriteStream(), new UTF8Encoding(false), bufferSize: 7);
            await w.WriteAsync(text);
        });
        using var r = new StreamReader(pipe.AsReadStream(), Encoding.UTF8);
        string read = await r.ReadToEndAsync().WaitAsync(Bound);
        await writer.WaitAsync(Bound);
        Assert.Equal(text, read);
    }

    [Fact]
    public async Task CopyToAsync_moves_everything_and_stops_at_end_of_stream()
    {
        var pipe = new Pipe(3);
        var data = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var writer = Task.Run(() =>
        {
            using var w = pipe.AsWriteStream();
            w.Write(data, 0, data.Length);
        });
        var sink = new MemoryStream();
        await pipe.AsReadStream().CopyToAsync(sink).WaitAsync(Bound);
        await writer.WaitAsync(Bound);
        Assert.Equal(data, sink.ToArray());
    }

    [Fact]
    public void Each_end_supports_only_its_direction_and_no_seeking()
    {
        var pipe = new Pipe(4);
        using var w = pipe.AsWriteStream();
        using var r = pipe.AsReadStream();
        Assert.True(w.CanWrite);
        Assert.False(w.CanRead);
        Assert.True(r.CanRead);
        Assert.False(r.CanSeek);
        Assert.Throws<NotSupportedException>(() => w.ReadByte());
        Assert.Throws<NotSupportedException>(() => r.WriteByte(1));
        Assert.Throws<NotSupportedException>(() => r.Seek(0, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => r.Length);
    }

    [Fact]
    public void Disposing_the_read_end_hands_back_unread_bytes()
    {
        var pipe = new Pipe(4);
        var r = pipe.AsReadStream();
        pipe.Write([1, 2, 3]);
        r.Dispose();
        Assert.Equal(new byte[] { 1, 2, 3 }, r.UnreadOnClose);
        Assert.Throws<ObjectDisposedException>(() => r.ReadByte());
        Assert.Throws<EndpointClosedException>(() => pipe.Write([4]));
    }
}
