using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LockboxPortal.Tests.Support;

/// <summary>
/// Holds every save to the model's column sizes, as SQL Server does and SQLite does not: a text longer than its
/// column's <c>HasMaxLength</c> fails the save here, on the SQLite the suite runs on, instead of only in production.
/// </summary>
public sealed class ColumnLengthGuard : SaveChangesInterceptor
{
    public static ColumnLengthGuard Instance { get; } = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Check(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Check(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Check(DbContext? context)
    {
        if (context is null) return;
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified)) continue;
            foreach (var property in entry.Properties)
            {
                if (property.Metadata.GetMaxLength() is not { } max) continue;
                var length = property.CurrentValue switch
                {
                    string s => s.Length,
                    byte[] b => b.Length,
                    _ => 0,
                };
                if (length > max)
                    throw new InvalidOperationException(
                        $"{entry.Metadata.ClrType.Name}.{property.Metadata.Name} holds {length} characters; its column holds {max} (SQL Server refuses the save).");
            }
        }
    }
}
