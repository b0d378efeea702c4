using System.Text;
using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.ServicePrincipals;

/// <summary>The password is shown once: after a run it is nowhere in the database file, the logs or an error.</summary>
public sealed class SecretHygieneTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new(sqliteOnly: true);

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<T> Sp<T>(DemoPersona who, Func<ServicePrincipalService, Task<T>> call) =>
        _f.As(who, sp => call(sp.GetRequiredService<ServicePrincipalService>()));

    [Fact]
    public async Task After_create_rotate_and_failures_no_password_is_in_the_sqlite_files_the_logs_or_any_error()
    {
        // SQLite folds the WAL into the main file and deletes it when the last connection closes, and another test
        // class's clean-up (SqliteConnection.ClearAllPools, run in parallel) can close the portal's pooled ones at any
        // time. One connection held open until the files are read keeps the WAL, so the scan below always covers it.
        await using var keeper = new SqliteConnection(_f.ConnectionString);
        await keeper.OpenAsync();
        var secrets = new List<string>();
        var errors = new List<Exception>();
        var created = await Sp(Carol, s => s.CreateAsync(SpTestData.Command()));
        secrets.Add(created.Password);
        var listed = Assert.Single((await Sp(Carol, s => s.ListAsync(new ServicePrincipalListQuery()))).Items);
        var appended = await Sp(Carol, s => s.RotateAsync(listed.Id, new RotateCredentialCommand { Append = true }, listed.Version));
        secrets.Add(appended.Password);

        async Task Fails(Func<Task> call)
        {
            try { await call(); }
            catch (Exception ex) { errors.Add(ex); return; }
            Assert.Fail("expected a refusal");
        }
        await Fails(() => Sp(Carol, s => s.CreateAsync(SpTestData.Command())));
        await Fails(() => Sp(Carol, s => s.RotateAsync(listed.Id, new RotateCredentialCommand(), listed.Version)));
        await Fails(() => Sp(Carol, s => s.RotateAsync(listed.Id, new RotateCredentialCommand { Lifetime = new() { Years = 50 } }, Guid.Empty)));
        await Fails(() => Sp(Frank, s => s.RotateAsync(listed.Id, new RotateCredentialCommand(), listed.Version)));
        await Fails(() => Sp(Uma, s => s.CreateAsync(SpTestData.Command("x"))));
        Assert.Equal(5, errors.Count);

        var version = (await Sp(Carol, s => s.GetAsync(listed.Id))).Version;
        var replaced = await Sp(Carol, s => s.RotateAsync(listed.Id, new RotateCredentialCommand(), version));
        secrets.Add(replaced.Password);

        // The hash is there (the embedded directory verifies with it), the secret is not.
        Assert.All(await _f.Db(db => db.ServicePrincipalCredentials.Select(c => c.SecretHash).ToListAsync()), h => Assert.StartsWith("pbkdf2-sha256$", h));

        var files = new[] { _f.DatabasePath, _f.DatabasePath + "-wal", _f.DatabasePath + "-shm" }.Where(File.Exists).ToList();
        Assert.Contains(_f.DatabasePath + "-wal", files);
        var bytes = files.Select(ReadShared).ToList();
        await keeper.DisposeAsync();
        var logs = _f.Logs.All;
        Assert.Contains(created.KeyId.ToString(), logs);

        foreach (var password in secrets)
        {
            foreach (var content in bytes)
            {
                Assert.False(Contains(content, Encoding.UTF8.GetBytes(password)), "password bytes found in a database file");
                Assert.False(Contains(content, Encoding.Unicode.GetBytes(password)), "UTF-16 password bytes found in a database file");
            }
            Assert.DoesNotContain(password, logs);
            Assert.All(errors, e => Assert.DoesNotContain(password, e.ToString()));
            Assert.DoesNotContain(password, created.ToString() + appended.ToString() + replaced.ToString());
        }

        // And after a checkpoint folds the WAL into the main file, still nothing.
        await using (var conn = new SqliteConnection(_f.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await cmd.ExecuteNonQueryAsync();
        }
        var main = ReadShared(_f.DatabasePath);
        Assert.True(Contains(main, Encoding.UTF8.GetBytes("test-aro-SP")), "sanity: text columns are readable in the file");
        Assert.All(secrets, p => Assert.False(Contains(main, Encoding.UTF8.GetBytes(p))));
    }

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
