using VerifiedIpc.Properties.Streams;
using VerifiedIpc.Reference;

namespace VerifiedIpc.Properties.SeededBugs;

/// <summary>
/// Seeded bug (test double, not library code): a pipe whose ring buffer copies only the first segment on read, so
/// bytes that wrapped past the end of the array come back as stale content. The pipe's library code has no fault
/// switch, so this stands in for the classic ring-buffer bug the model-based property must catch.
/// </summary>
internal sealed class RingWithoutWrap(int capacity) : IBytePipe
{
    private readonly byte[] _ring = new byte[capacity];
    private int _head;
    private int _count;
    private bool _writeClosed;
    private bool _readClosed;

    public int Available => _count;

    public int WriteSome(byte[] data)
    {
        if (_writeClosed || _readClosed)
        {
            throw new EndpointClosedException("ring", data, hasUndelivered: true);
        }

        var n = Math.Min(data.Length, _ring.Length - _count);
        for (var i = 0; i < n; i++)
        {
            _ring[(_head + _count + i) % _ring.Length] = data[i];
        }

        _count += n;
        return n;
    }

    public bool TryRead(byte[] buffer, out int read)
    {
        if (_readClosed)
        {
            throw new EndpointClosedException("ring");
        }

        read = Math.Min(buffer.Length, _count);
        if (read == 0)
        {
            return _writeClosed;
        }

        // The bug: no second copy for the part after the wrap.
        var first = Math.Min(read, _ring.Length - _head);
        Array.Copy(_ring, _head, buffer, 0, first);
        _head = (_head + read) % _ring.Length;
        _count -= read;
        return true;
    }

    public void Close() => _writeClosed = true;

    public byte[] CloseReader()
    {
        var back = new byte[_count];
        for (var i = 0; i < _count; i++)
        {
            back[i] = _ring[(_head + i) % _ring.Length];
        }

        _count = 0;
        _readClosed = true;
        return back;
    }
}
