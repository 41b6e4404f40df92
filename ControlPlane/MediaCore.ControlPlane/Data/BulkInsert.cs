using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace MediaCore.ControlPlane.Data;

/// <summary>
/// Writes many rows in the context's current transaction without EF Core's per-row round trips: PostgreSQL's binary
/// COPY, or on SQLite one prepared INSERT reused for every row. For the demo seeder (a county's year is about a million
/// rows); values are the stored forms (enums as their names, times as UTC <see cref="DateTime"/>s).
/// </summary>
internal static class BulkInsert
{
    /// <summary>Inserts <paramref name="rows"/> into <paramref name="table"/>'s <paramref name="columns"/>.</summary>
    public static async Task WriteAsync<T>(ControlPlaneDb db, string table, string[] columns, IEnumerable<T> rows, Func<T, object?[]> values,
        CancellationToken ct)
    {
        var conn = db.Database.GetDbConnection();
        var cols = string.Join(", ", columns.Select(c => $"\"{c}\""));
        if (conn is NpgsqlConnection npgsql)
        {
            await using var copy = await npgsql.BeginBinaryImportAsync($"COPY \"{table}\" ({cols}) FROM STDIN (FORMAT BINARY)", ct);
            copy.Timeout = TimeSpan.FromMinutes(10); // a county's year of check-ins is more than the 30 s command default on a busy machine
            foreach (var row in rows)
            {
                await copy.StartRowAsync(ct);
                foreach (var v in values(row)) await WriteAsync(copy, v, ct);
            }
            await copy.CompleteAsync(ct);
            return;
        }
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        cmd.CommandText = $"INSERT INTO \"{table}\" ({cols}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i))})";
        var ps = columns.Select((_, i) =>
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@p" + i;
            cmd.Parameters.Add(p);
            return p;
        }).ToArray();
        foreach (var row in rows)
        {
            var v = values(row);
            for (var i = 0; i < ps.Length; i++) ps[i].Value = v[i] ?? DBNull.Value;
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Moves a PostgreSQL identity past ids written explicitly (SQLite's autoincrement follows by itself).</summary>
    public static async Task ResetIdentityAsync(ControlPlaneDb db, string table, CancellationToken ct)
    {
        if (db.Database.GetDbConnection() is not NpgsqlConnection) return;
#pragma warning disable EF1002 // the table name is one of this class's callers' constants, not input
        await db.Database.ExecuteSqlRawAsync(
            $"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'Id'), (SELECT MAX(\"Id\") FROM \"{table}\"))", ct);
#pragma warning restore EF1002
    }

    private static Task WriteAsync(NpgsqlBinaryImporter copy, object? v, CancellationToken ct) => v switch
    {
        null => copy.WriteNullAsync(ct),
        string s => copy.WriteAsync(s, NpgsqlDbType.Text, ct),
        int i => copy.WriteAsync(i, NpgsqlDbType.Integer, ct),
        long l => copy.WriteAsync(l, NpgsqlDbType.Bigint, ct),
        bool b => copy.WriteAsync(b, NpgsqlDbType.Boolean, ct),
        DateTime t => copy.WriteAsync(t, NpgsqlDbType.TimestampTz, ct),
        byte[] bytes => copy.WriteAsync(bytes, NpgsqlDbType.Bytea, ct),
        _ => throw new ArgumentException("No bulk mapping for " + v.GetType()),
    };
}
