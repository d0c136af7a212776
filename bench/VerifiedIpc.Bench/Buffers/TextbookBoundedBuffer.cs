namespace VerifiedIpc.Bench.Buffers;

/// <summary>
/// The textbook Mesa bounded buffer — one lock, <c>while</c> around <c>Monitor.Wait</c>, <c>PulseAll</c> after every
/// change — as the anchor for the synchronous paths: what a .NET engineer writes by hand in twenty lines.
/// </summary>
public sealed class TextbookBoundedBuffer<T>(int capacity)
{
    private readonly object _lock = new();
    private readonly Queue<T> _items = new(capacity);

    public void Send(T item)
    {
        lock (_lock)
        {
            while (_items.Count >= capacity) Monitor.Wait(_lock);
            _items.Enqueue(item);
            Monitor.PulseAll(_lock);
        }
    }

    public T Receive()
    {
        lock (_lock)
        {
            while (_items.Count == 0) Monitor.Wait(_lock);
            T item = _items.Dequeue();
            Monitor.PulseAll(_lock);
            return item;
        }
    }
}
