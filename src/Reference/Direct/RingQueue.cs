using System.Diagnostics;

namespace VerifiedIpc.Reference.Direct;

/// <summary>
/// Array-backed FIFO that also removes from the middle: the buffer of a direct link, where receiving from one
/// named source takes the first match wherever it is. Removal shifts the shorter side, so taking the head (receive
/// from any) is O(1) and taking entry i costs O(min(i, n − i)) on top of the O(i) search. Grows by doubling and
/// never shrinks, so the steady state allocates nothing. Not thread-safe: always used under a monitor's lock.
/// </summary>
internal sealed class RingQueue<T>
{
    private T[] _items;
    private int _head;
    private int _count;

    public RingQueue(int initialCapacity = 16) => _items = new T[Math.Max(4, initialCapacity)];

    public int Count => _count;

    public ref T this[int index]
    {
        get
        {
            Debug.Assert((uint)index < (uint)_count);
            return ref _items[Slot(index)];
        }
    }

    public void Enqueue(in T item)
    {
        if (_count == _items.Length) Grow();
        _items[Slot(_count)] = item;
        _count++;
    }

    public T RemoveAt(int index)
    {
        Debug.Assert((uint)index < (uint)_count);
        T item = _items[Slot(index)];
        if (index < _count / 2)
        {
            // Shift the entries before it one step towards the tail, then drop the head.
            for (int i = index; i > 0; i--) _items[Slot(i)] = _items[Slot(i - 1)];
            _items[_head] = default!;
            _head = _head + 1 == _items.Length ? 0 : _head + 1;
        }
        else
        {
            for (int i = index; i < _count - 1; i++) _items[Slot(i)] = _items[Slot(i + 1)];
            _items[Slot(_count - 1)] = default!;
        }
        _count--;
        return item;
    }

    public void Clear()
    {
        for (int i = 0; i < _count; i++) _items[Slot(i)] = default!;
        _head = 0;
        _count = 0;
    }

    private int Slot(int index)
    {
        int s = _head + index;
        return s >= _items.Length ? s - _items.Length : s;
    }

    private void Grow()
    {
        var next = new T[_items.Length * 2];
        for (int i = 0; i < _count; i++) next[i] = _items[Slot(i)];
        _items = next;
        _head = 0;
    }
}
