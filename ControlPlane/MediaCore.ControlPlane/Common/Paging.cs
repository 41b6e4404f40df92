using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Common;

/// <summary>One page of a list result.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int PageNumber, int PageSize, int Total);

/// <summary>Paging parameters (?page=1&amp;pageSize=50), clamped to sane bounds.</summary>
public readonly record struct PageRequest(int PageNumber, int PageSize)
{
    /// <summary>Largest page size served.</summary>
    public const int MaxPageSize = 500;

    /// <summary>Builds a request from optional query values.</summary>
    public static PageRequest From(int? page, int? pageSize) =>
        new(Math.Max(1, page ?? 1), Math.Clamp(pageSize ?? 50, 1, MaxPageSize));

    /// <summary>Runs the count and the page query.</summary>
    public Task<Page<T>> ApplyAsync<T>(IQueryable<T> ordered, CancellationToken ct) => ApplyAsync(ordered, ordered, ct);

    /// <summary>
    /// Runs the page query, and the count on <paramref name="counted"/>: the same rows as <paramref name="ordered"/>, written
    /// so that the database counts them more cheaply (without joins the page needs). The total stays exact.
    /// </summary>
    public async Task<Page<T>> ApplyAsync<T, TCounted>(IQueryable<T> ordered, IQueryable<TCounted> counted, CancellationToken ct)
    {
        var total = await counted.CountAsync(ct);
        var items = await ordered.Skip((PageNumber - 1) * PageSize).Take(PageSize).ToListAsync(ct);
        return new Page<T>(items, PageNumber, PageSize, total);
    }
}

/// <summary>
/// Parses enum query/form values case-insensitively ("subDistrict", "SubDistrict"), because the API writes
/// enums in camelCase and minimal APIs' own enum binding is case-sensitive.
/// </summary>
public static class EnumQuery
{
    /// <summary>True when <paramref name="s"/> is null (no filter) or names a defined member.</summary>
    public static bool TryParse<T>(string? s, out T? value) where T : struct, Enum
    {
        value = null;
        if (s is null) return true;
        if (Enum.TryParse<T>(s, ignoreCase: true, out var v) && Enum.IsDefined(v) && !int.TryParse(s, out _)) { value = v; return true; }
        return false;
    }

    /// <summary>The camelCase names, for error messages.</summary>
    public static string Names<T>() where T : struct, Enum =>
        string.Join(", ", Enum.GetNames<T>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]));
}
