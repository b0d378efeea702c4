using System.Data.Common;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LockboxPortal.Bench;

/// <summary>Records the SQL (and parameter values) EF sends while <see cref="Capturing"/> is on.</summary>
public sealed class SqlCapture : DbCommandInterceptor
{
    public sealed record Captured(string Sql, IReadOnlyList<(string Name, object? Value, SqliteType? Type)> Parameters);

    private readonly List<Captured> _commands = [];
    public bool Capturing { get; set; }

    public IReadOnlyList<Captured> Take()
    {
        lock (_commands) { var list = _commands.ToList(); _commands.Clear(); return list; }
    }

    private void Record(DbCommand command)
    {
        if (!Capturing) return;
        var ps = command.Parameters.Cast<DbParameter>()
            .Select(p => (p.ParameterName, p.Value, p is SqliteParameter sp ? sp.SqliteType : (SqliteType?)null)).ToList();
        lock (_commands) _commands.Add(new Captured(command.CommandText, ps));
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    { Record(command); return base.ReaderExecutingAsync(command, eventData, result, cancellationToken); }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    { Record(command); return base.ScalarExecutingAsync(command, eventData, result, cancellationToken); }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    { Record(command); return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken); }

    /// <summary>EXPLAIN QUERY PLAN for a captured statement, with its own parameter values, as an indented tree.</summary>
    public static string Explain(string connectionString, Captured c)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "EXPLAIN QUERY PLAN " + c.Sql;
        foreach (var (name, value, type) in c.Parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            if (type is { } t) p.SqliteType = t;
            cmd.Parameters.Add(p);
        }
        var depth = new Dictionary<long, int>();
        var sb = new StringBuilder();
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            var id = reader.GetInt64(0);
            var parent = reader.GetInt64(1);
            var d = depth.TryGetValue(parent, out var pd) ? pd + 1 : 0;
            depth[id] = d;
            sb.Append(new string(' ', d * 2)).Append(reader.GetString(3)).Append('\n');
        }
        return sb.ToString();
    }
}
