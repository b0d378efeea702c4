using System.Data.Common;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Tests.Persistence;

/// <summary>
/// Which database failures the portal reads as "another writer holds that key" (and so may retry or report as a
/// conflict): a unique key only, from SaveChanges or from a statement run directly, never another constraint.
/// </summary>
public sealed class UniqueViolationTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task A_duplicate_key_from_a_direct_statement_is_a_unique_violation()
    {
        var chain = Guid.NewGuid();
        var failure = await _f.Db(async db =>
        {
            await db.Database.ExecuteSqlAsync($"INSERT INTO AuditChainHeads (ChainId, Sequence, LastHash) VALUES ({chain}, {1L}, {""})");
            var ex = await Assert.ThrowsAnyAsync<DbException>(() =>
                db.Database.ExecuteSqlAsync($"INSERT INTO AuditChainHeads (ChainId, Sequence, LastHash) VALUES ({chain}, {1L}, {""})"));
            return db.IsUniqueConstraintViolation(ex);
        });
        Assert.True(failure);
    }

    [Fact]
    public async Task Another_constraint_from_a_direct_statement_is_not()
    {
        var failure = await _f.Db(async db =>
        {
            // LastHash is required: a NOT NULL failure, not another writer's key.
            var ex = await Assert.ThrowsAnyAsync<DbException>(() =>
                db.Database.ExecuteSqlAsync($"INSERT INTO AuditChainHeads (ChainId, Sequence, LastHash) VALUES ({Guid.NewGuid()}, {1L}, {null})"));
            return db.IsUniqueConstraintViolation(ex);
        });
        Assert.False(failure);
    }

    [Fact]
    public async Task A_duplicate_key_from_SaveChanges_is_a_unique_violation_and_a_missing_value_is_not()
    {
        var chain = Guid.NewGuid();
        await _f.Db(async db =>
        {
            db.AuditChainHeads.Add(new AuditChainHead { ChainId = chain, Sequence = 1, LastHash = "" });
            return await db.SaveChangesAsync();
        });
        var (duplicate, missing) = await _f.Db(async db =>
        {
            db.AuditChainHeads.Add(new AuditChainHead { ChainId = chain, Sequence = 2, LastHash = "" });
            var first = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
            db.ChangeTracker.Clear();
            db.AuditChainHeads.Add(new AuditChainHead { ChainId = Guid.NewGuid(), Sequence = 1, LastHash = null! });
            var second = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
            return (db.IsUniqueConstraintViolation(first), db.IsUniqueConstraintViolation(second));
        });
        Assert.True(duplicate);
        Assert.False(missing);
    }
}
