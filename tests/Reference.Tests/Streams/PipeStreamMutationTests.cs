using VerifiedIpc.Reference.Streams;

namespace VerifiedIpc.Reference.Tests.Streams;

/// <summary>
/// <see cref="PipeStream"/>'s contract as a <see cref="Stream"/>, case by case: each end's capabilities before
/// and after disposal, argument validation, the error raised for the wrong direction and after disposal (not
/// the pipe's own closed error), the unsupported members' texts, and disposal happening once.
/// </summary>
public sealed class PipeStreamMutationTests
{
    [Fact]
    public void Capabilities_follow_the_direction_and_end_at_disposal()
    {
        var pipe = new Pipe(4);
        var w = pipe.AsWriteStream();
        var r = pipe.AsReadStream();
        Assert.True(w.CanWrite);
        Assert.False(w.CanRead);
        Assert.False(w.CanSeek);
        Assert.True(r.CanRead);
        Assert.False(r.CanWrite);
        Assert.False(r.CanSeek);
        w.Dispose();
        r.Dispose();
        Assert.False(w.CanWrite);
        Assert.False(w.CanRead);
        Assert.False(r.CanRead);
        Assert.False(r.CanWrite);
    }

    [Fact]
    public void The_unsupported_members_say_why()
    {
        var s = new Pipe(4).AsReadStream();
        Assert.Equal("A pipe has no length.", Assert.Throws<NotSupportedException>(() => s.Length).Message);
        Assert.Equal("A pipe has no position.", Assert.Throws<NotSupportedException>(() => s.Position).Message);
        Assert.Equal("A pipe has no position.", Assert.Throws<NotSupportedException>(() => s.Position = 0).Message);
        Assert.Equal("A pipe cannot seek.", Assert.Throws<NotSupportedException>(() => s.Seek(0, SeekOrigin.Begin)).Message);
        Assert.Equal("A pipe has no length.", Assert.Throws<NotSupportedException>(() => s.SetLength(0)).Message);
    }

    [Fact]
    public async Task The_wrong_direction_is_refused_naming_the_end()
    {
        var pipe = new Pipe(4);
        var w = pipe.AsWriteStream();
        var r = pipe.AsReadStream();
        const string writeEnd = "This is the write end of the pipe.";
        const string readEnd = "This is the read end of the pipe.";
        Assert.Equal(writeEnd, Assert.Throws<NotSupportedException>(() => w.Read(new byte[1], 0, 1)).Message);
        Assert.Equal(writeEnd, Assert.Throws<NotSupportedException>(() => { _ = w.ReadAsync(new byte[1].AsMemory()); }).Message);
        Assert.Equal(writeEnd, (await Assert.ThrowsAsync<NotSupportedException>(() => w.ReadAsync(new byte[1], 0, 1))).Message);
        Assert.Equal(readEnd, Assert.Throws<NotSupportedException>(() => r.Write(new byte[1], 0, 1)).Message);
        Assert.Equal(readEnd, Assert.Throws<NotSupportedException>(() => { _ = r.WriteAsync(new byte[1].AsMemory()); }).Message);
        Assert.Equal(readEnd, (await Assert.ThrowsAsync<NotSupportedException>(() => r.WriteAsync(new byte[1], 0, 1))).Message);
        Assert.Equal(0, pipe.Available); // nothing reached the pipe
    }

    [Fact]
    public async Task Array_arguments_are_validated_before_anything_happens()
    {
        var pipe = new Pipe(4);
        var w = pipe.AsWriteStream();
        var r = pipe.AsReadStream();
        Assert.Throws<ArgumentNullException>(() => r.Read(null!, 0, 0));
        await Assert.ThrowsAsync<ArgumentNullException>(() => r.ReadAsync(null!, 0, 0));
        Assert.Throws<ArgumentNullException>(() => w.Write(null!, 0, 0));
        await Assert.ThrowsAsync<ArgumentNullException>(() => w.WriteAsync(null!, 0, 0));
        var offset = Assert.Throws<ArgumentOutOfRangeException>(() => w.Write(new byte[2], -1, 1));
        Assert.Equal("offset", offset.ParamName);
    }

    [Fact]
    public async Task The_array_overloads_move_exactly_the_slice_given()
    {
        var pipe = new Pipe(8);
        var w = pipe.AsWriteStream();
        var r = pipe.AsReadStream();
        w.Write([9, 1, 2, 9], 1, 2);
        await w.WriteAsync(new byte[] { 9, 3, 9 }, 1, 1);
        var buffer = new byte[6];
        Assert.Equal(2, r.Read(buffer, 2, 2));
        Assert.Equal(1, await r.ReadAsync(buffer, 4, 2));
        Assert.Equal(new byte[] { 0, 0, 1, 2, 3, 0 }, buffer);
    }

    [Fact]
    public void A_disposed_end_fails_as_disposed_not_as_a_closed_pipe()
    {
        var pipe = new Pipe(4);
        var w = pipe.AsWriteStream();
        var r = pipe.AsReadStream();
        w.Dispose();
        r.Dispose();
        Assert.Throws<ObjectDisposedException>(() => w.Write([1]));
        Assert.Throws<ObjectDisposedException>(() => { _ = w.WriteAsync(new byte[1].AsMemory()); });
        Assert.Throws<ObjectDisposedException>(() => w.Flush());
        Assert.Throws<ObjectDisposedException>(() => r.Read(new byte[1]));
        Assert.Throws<ObjectDisposedException>(() => { _ = r.ReadAsync(new byte[1].AsMemory()); });
    }

    [Fact]
    public async Task FlushAsync_honours_a_cancelled_token_and_otherwise_completes()
    {
        var w = new Pipe(4).AsWriteStream();
        using var cts = new CancellationTokenSource();
        Assert.True(w.FlushAsync(cts.Token).IsCompletedSuccessfully);
        cts.Cancel();
        Task flush = w.FlushAsync(cts.Token);
        Assert.True(flush.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => flush);
    }

    [Fact]
    public void Disposing_the_read_end_twice_keeps_the_bytes_handed_back_the_first_time()
    {
        var pipe = new Pipe(4);
        var r = pipe.AsReadStream();
        pipe.Write([1, 2, 3]);
        r.Dispose();
        r.Dispose();
        Assert.Equal(new byte[] { 1, 2, 3 }, r.UnreadOnClose);
    }

    [Fact]
    public void Disposing_the_write_end_closes_the_pipe_for_the_reader()
    {
        var pipe = new Pipe(4);
        var w = pipe.AsWriteStream();
        var r = pipe.AsReadStream();
        w.Write([7]);
        w.Dispose();
        Assert.True(pipe.IsClosed);
        var buffer = new byte[4];
        Assert.Equal(1, r.Read(buffer));
        Assert.Equal(0, r.Read(buffer));
        Assert.Empty(r.UnreadOnClose); // only the read end's disposal hands bytes back
    }
}
