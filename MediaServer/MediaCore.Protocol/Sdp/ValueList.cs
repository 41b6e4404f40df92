using System.Collections;
using System.Runtime.CompilerServices;

namespace MediaCore.Protocol.Sdp;

/// <summary>
/// An immutable list with value (element-wise) equality, so SDP records compare structurally and a
/// write-then-parse round trip can be checked with <c>==</c>. Build it with a collection expression
/// (<c>Codecs = [opus]</c>) or <see cref="ValueList.Create{T}(ReadOnlySpan{T})"/>.
/// </summary>
[CollectionBuilder(typeof(ValueList), nameof(ValueList.Create))]
public sealed class ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly T[] _items;

    /// <summary>The empty list.</summary>
    public static ValueList<T> Empty { get; } = new([]);

    internal ValueList(T[] items) => _items = items;

    public int Count => _items.Length;

    public T this[int index] => _items[index];

    /// <summary>The elements as a span (no copy).</summary>
    public ReadOnlySpan<T> AsSpan() => _items;

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public bool Equals(ValueList<T>? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other._items.Length != _items.Length) return false;
        var cmp = EqualityComparer<T>.Default;
        for (int i = 0; i < _items.Length; i++)
        {
            if (!cmp.Equals(_items[i], other._items[i])) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is ValueList<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in _items) hash.Add(item);
        return hash.ToHashCode();
    }

    public override string ToString() => "[" + string.Join(", ", _items) + "]";

    public static implicit operator ValueList<T>(T[] items) => ValueList.Create<T>(items);

    public static implicit operator ValueList<T>(List<T> items) => ValueList.Create<T>(items.ToArray());
}

/// <summary>Factory for <see cref="ValueList{T}"/>.</summary>
public static class ValueList
{
    /// <summary>Copies <paramref name="items"/> into a new list.</summary>
    public static ValueList<T> Create<T>(ReadOnlySpan<T> items)
        => items.IsEmpty ? ValueList<T>.Empty : new ValueList<T>(items.ToArray());

    /// <summary>Wraps a list the caller will not mutate again (no copy).</summary>
    internal static ValueList<T> Own<T>(List<T>? items)
        => items is null || items.Count == 0 ? ValueList<T>.Empty : new ValueList<T>(items.ToArray());
}
