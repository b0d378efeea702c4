using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Infrastructure.Persistence;

public partial class LockboxDbContext
{
    // SQLite: SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
    // SQL Server: 2601 (duplicate key in a unique index) and 2627 (unique or primary key constraint).
    public bool IsUniqueConstraintViolation(DbUpdateException exception) =>
        exception.InnerException is System.Data.Common.DbException inner && IsUniqueConstraintViolation(inner);

    public bool IsUniqueConstraintViolation(System.Data.Common.DbException exception) => exception switch
    {
        SqliteException e => e.SqliteExtendedErrorCode is 2067 or 1555,
        SqlException e => e.Number is 2601 or 2627,
        _ => false,
    };
}
