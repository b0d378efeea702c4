using LockboxPortal.Domain.Audit;
using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.IdentityProvider;
using LockboxPortal.Infrastructure.Demo;
using Microsoft.Data.Sqlite;

namespace LockboxPortal.EndToEnd.Tests.EntraId;

/// <summary>
/// The provider answers the portal's code redemption with a bad ID token (one fault each); the portal refuses it,
/// audits the refusal and shows a page that says what happened — never a signed-in session.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class EntraIdSignInRefusalTests(EntraIdPortal portal) : IClassFixture<EntraIdPortal>
{
    public static TheoryData<string, string> Faults => new()
    {
        { "wrong-audience", "issued for another application" },
        { "wrong-issuer", "an issuer the portal does not trust" },
        { "expired", "had expired" },
        { "alg-none", "signature is missing or invalid" },
        { "unknown-key", "a key the identity provider does not publish" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_bad_id_token_is_refused_audited_and_explained(string fault, string explanation)
    {
        var forge = new TokenForge(portal.Provider);
        portal.Provider.TamperNextIdentityToken = fault switch
        {
            "wrong-audience" => t => forge.WithAudience(t, Guid.NewGuid().ToString()),
            "wrong-issuer" => t => forge.WithIssuer(t, $"https://evil.example/{DemoPersonas.ContosoTenant}/v2.0"),
            "expired" => forge.Expired,
            "alg-none" => TokenForge.Unsigned,
            "unknown-key" => TokenForge.SignedByUnknownKey,
            _ => throw new ArgumentOutOfRangeException(nameof(fault)),
        };
        var refusalsBefore = Count($"SELECT COUNT(*) FROM AuditEntries WHERE Action = '{AuditActions.SignInRefused}'");

        var page = await portal.SignInAsync(DirectoryUser.From(DemoPersonas.Uma));
        try
        {
            await page.WaitForAddressAsync(PageExtensions.StartingWith($"{portal.BaseUrl}/signin-refused"));
            Assert.Null(portal.Provider.TamperNextIdentityToken); // the fault was used, so this is the refusal of that token
            Assert.Contains(explanation, await page.ByTestId("signin-refused-reason").InnerTextAsync());
            Assert.Equal(0, await page.Locator("[data-testid=appbar-user]").CountAsync());
            Assert.Equal(refusalsBefore + 1, Count($"SELECT COUNT(*) FROM AuditEntries WHERE Action = '{AuditActions.SignInRefused}'"));

        }
        finally
        {
            portal.Provider.TamperNextIdentityToken = null;
            await page.Context.CloseAsync();
        }
    }

    private long Count(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={portal.PortalDatabasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }
}
