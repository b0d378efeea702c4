using System.Data.Common;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace LockboxPortal.Bench;

/// <summary>
/// Inserts entities with one prepared single-row INSERT per table, built from the EF model: the table and
/// column names, value converters (DateTimeOffset as INTEGER on SQLite, enums as numbers) and parameter
/// types are exactly what the portal reads back. Rows go in the caller's transaction; no change tracking.
/// </summary>
public interface IBulkInserter
{
    DbTransaction? Transaction { get; set; }
}

public sealed class BulkInserter<T> : IBulkInserter, IDisposable where T : class
{
    private readonly DbCommand _command;
    private readonly (PropertyInfo Clr, Func<object?, object?>? Convert, DbParameter Parameter)[] _columns;

    public BulkInserter(DbContext db, DbConnection connection)
    {
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var sql = db.GetService<ISqlGenerationHelper>();
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var properties = entity.GetProperties().Where(p => p.PropertyInfo is not null && p.GetColumnName(table) is not null).ToList();

        _command = connection.CreateCommand();
        _columns = new (PropertyInfo, Func<object?, object?>?, DbParameter)[properties.Count];
        for (var i = 0; i < properties.Count; i++)
        {
            var p = properties[i];
            var mapping = (RelationalTypeMapping)p.GetRelationalTypeMapping();
            var parameter = mapping.CreateParameter(_command, "@p" + i, null, p.IsNullable);
            _columns[i] = (p.PropertyInfo!, mapping.Converter?.ConvertToProvider, parameter);
        }
        _command.CommandText =
            $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", properties.Select(p => sql.DelimitIdentifier(p.GetColumnName(table)!)))}) " +
            $"VALUES ({string.Join(", ", properties.Select((_, i) => "@p" + i))})";
    }

    public DbTransaction? Transaction { get => _command.Transaction; set => _command.Transaction = value; }

    public void Insert(T row)
    {
        foreach (var (clr, convert, parameter) in _columns)
        {
            var value = clr.GetValue(row);
            if (value is not null && convert is not null) value = convert(value);
            parameter.Value = value ?? DBNull.Value;
        }
        if (_command.Parameters.Count == 0)
        {
            foreach (var c in _columns) _command.Parameters.Add(c.Parameter);
            _command.Prepare();
        }
        _command.ExecuteNonQuery();
    }

    public void Dispose() => _command.Dispose();
}
