using LockboxPortal.Application.Common;
using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.ServicePrincipals;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WireMock.Logging;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.ServicePrincipals;

/// <summary>The Azure directory, driven by the wizard's service, against a fake Graph and Resource Manager on loopback.</summary>
public sealed class AzureDirectoryProvisionerTests : IAsyncLifetime
{
    private const string Sub = AzureFake.Sub;
    private const string AppObjectId = AzureFake.AppObjectId;
    private const string AppId = AzureFake.AppId;
    private const string PrincipalId = AzureFake.PrincipalId;
    private const string KeyId = AzureFake.KeyId;
    private const string Secret = AzureFake.Secret;
    private const string RoleAssignmentPath = AzureFake.RoleAssignmentPath;

    private readonly AzureFake _azure = new();
    private readonly WireMockServer _server;
    private readonly PortalFixture _f;

    public AzureDirectoryProvisionerTests()
    {
        _server = _azure.Server;
        _f = _azure.Portal;
    }

    public Task InitializeAsync() => _f.InitializeAsync();

    public async Task DisposeAsync() => await _azure.DisposeAsync();

    private Task<T> Sp<T>(DemoPersona who, Func<ServicePrincipalService, Task<T>> call) =>
        _f.As(who, sp => call(sp.GetRequiredService<ServicePrincipalService>()));

    private static IResponseBuilder Json(int status, string body) => AzureFake.Json(status, body);

    private static string Error(string code, string message) => AzureFake.Error(code, message);

    private void StubHappyPath(bool roleAssignmentSucceeds = true) => _azure.StubHappyPath(roleAssignmentSucceeds);

    private List<ILogEntry> Calls() => _azure.Calls();

    private static string Describe(ILogEntry e) => AzureFake.Describe(e);

    private static void AssertJson(string expected, ILogEntry e) => AzureFake.AssertJson(expected, e);

    private static string Authorization(ILogEntry e) => e.RequestMessage.Headers!["Authorization"].Single();

    [Fact]
    public async Task Creating_makes_exactly_the_graph_and_arm_calls_with_their_bodies()
    {
        StubHappyPath();

        var secret = await Sp(Carol, s => s.CreateAsync(SpTestData.Command()));

        var calls = Calls();
        var assignmentName = ArmClient.RoleAssignmentName($"/subscriptions/{Sub}/resourceGroups/test-aro-rg", Guid.Parse(PrincipalId));
        Assert.Equal(
        [
            $"PUT /subscriptions/{Sub}/resourcegroups/test-aro-rg",
            "GET /v1.0/applications",
            "POST /v1.0/applications",
            "POST /v1.0/servicePrincipals",
            $"POST /v1.0/applications/{AppObjectId}/addPassword",
            $"PUT /subscriptions/{Sub}/resourceGroups/test-aro-rg/providers/Microsoft.Authorization/roleAssignments/{assignmentName}",
        ], calls.Select(Describe).ToArray());

        Assert.Equal("2021-04-01", calls[0].RequestMessage.Query!["api-version"].Single());
        AssertJson("""{"location":"eastus2"}""", calls[0]);
        Assert.Equal("displayName eq 'test-aro-SP'", calls[1].RequestMessage.Query!["$filter"].Single());
        AssertJson("""{"displayName":"test-aro-SP","signInAudience":"AzureADMyOrg"}""", calls[2]);
        AssertJson($$"""{"appId":"{{AppId}}"}""", calls[3]);
        AssertJson("""{"passwordCredential":{"displayName":"Lockbox Portal","endDateTime":"2027-11-28T09:00:00Z"}}""", calls[4]);
        Assert.Equal("2022-04-01", calls[5].RequestMessage.Query!["api-version"].Single());
        AssertJson($$$"""
            {"properties":{
              "roleDefinitionId":"/subscriptions/{{{Sub}}}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c",
              "principalId":"{{{PrincipalId}}}",
              "principalType":"ServicePrincipal"}}
            """, calls[5]);

        Assert.All(calls.Where(c => c.RequestMessage.Path.StartsWith("/v1.0", StringComparison.Ordinal)), c => Assert.Equal($"Bearer graph:{ContosoTenant}", Authorization(c)));
        Assert.All(calls.Where(c => c.RequestMessage.Path.StartsWith("/subscriptions", StringComparison.Ordinal)), c => Assert.Equal($"Bearer arm:{ContosoTenant}", Authorization(c)));

        Assert.Equal((AppId, Secret, ContosoTenant.ToString(), "Abc"), (secret.AppId, secret.Password, secret.Tenant, secret.Hint));
        var stored = await _f.Db(db => db.ServicePrincipalCredentials.SingleAsync());
        Assert.Equal((Guid.Parse(KeyId), "Abc", (string?)null), (stored.KeyId, stored.Hint, stored.SecretHash));
        Assert.Equal("Azure", await _f.Db(db => db.ServicePrincipals.Select(p => p.Directory).SingleAsync()));
    }

    [Fact]
    public async Task The_role_assignment_is_retried_with_backoff_while_the_new_principal_replicates()
    {
        StubHappyPath(roleAssignmentSucceeds: false);
        var put = Request.Create().WithPath(new WildcardMatcher(RoleAssignmentPath)).UsingPut();
        _server.Given(put).InScenario("replication").WillSetStateTo("first")
            .RespondWith(Json(400, Error("PrincipalNotFound", $"Principal {PrincipalId.Replace("-", "")} does not exist in the directory.")));
        _server.Given(put).InScenario("replication").WhenStateIs("first").WillSetStateTo("second")
            .RespondWith(Json(400, Error("PrincipalNotFound", "Principal does not exist in the directory.")));
        _server.Given(put).InScenario("replication").WhenStateIs("second").RespondWith(Json(201, "{}"));

        var started = _f.Time.GetUtcNow();
        var secret = await WhileAdvancingTheClock(Sp(Carol, s => s.CreateAsync(SpTestData.Command())));

        Assert.Equal(Secret, secret.Password);
        Assert.Equal(3, Calls().Count(c => c.RequestMessage.Method == "PUT" && c.RequestMessage.Path.Contains("roleAssignments", StringComparison.Ordinal)));
        Assert.True(_f.Time.GetUtcNow() - started >= TimeSpan.FromSeconds(6), "waited 2 s, then 4 s");
        Assert.Equal(1, await _f.Db(db => db.ServicePrincipals.CountAsync()));
        Assert.DoesNotContain(Calls(), c => c.RequestMessage.Method == "DELETE");
    }

    [Fact]
    public async Task When_replication_never_arrives_the_application_is_removed_and_nothing_recorded()
    {
        StubHappyPath(roleAssignmentSucceeds: false);
        _server.Given(Request.Create().WithPath(new WildcardMatcher(RoleAssignmentPath)).UsingPut())
            .RespondWith(Json(400, Error("PrincipalNotFound", "Principal does not exist in the directory.")));

        var ex = await Assert.ThrowsAsync<ProvisioningException>(() => WhileAdvancingTheClock(Sp(Carol, s => s.CreateAsync(SpTestData.Command()))));

        Assert.Contains("after 6 attempts", ex.Message);
        Assert.Contains("try again in a few minutes", ex.Message);
        Assert.Contains(Calls(), c => Describe(c) == $"DELETE /v1.0/applications/{AppObjectId}");
        Assert.Equal(0, await _f.Db(db => db.ServicePrincipals.CountAsync()));
        Assert.DoesNotContain(Secret, ex.Message + _f.Logs.All);
    }

    [Fact]
    public async Task An_existing_application_name_in_the_directory_is_refused_before_anything_is_made()
    {
        StubHappyPath();
        _server.Given(Request.Create().WithPath("/v1.0/applications").UsingGet()).AtPriority(1)
            .RespondWith(Json(200, $$"""{"value":[{"id":"{{AppObjectId}}","appId":"{{AppId}}"}]}"""));

        var ex = await Assert.ThrowsAsync<ConflictException>(() => Sp(Carol, s => s.CreateAsync(SpTestData.Command())));

        Assert.Contains("already exists", ex.Message);
        Assert.DoesNotContain(Calls(), c => c.RequestMessage.Method == "POST");
    }

    [Fact]
    public async Task Rotating_with_replace_adds_first_and_then_removes_the_old_key_and_delete_removes_assignment_and_application()
    {
        StubHappyPath();
        await Sp(Carol, s => s.CreateAsync(SpTestData.Command()));
        var listed = Assert.Single((await Sp(Carol, s => s.ListAsync(new ServicePrincipalListQuery()))).Items);
        _server.Given(Request.Create().WithPath($"/v1.0/applications/{AppObjectId}/addPassword").UsingPost()).AtPriority(1)
            .RespondWith(Json(200, """{"keyId":"55555555-5555-4555-8555-555555555555","secretText":"Xyz8Q~second-secret","hint":"Xyz","endDateTime":"2027-11-28T09:00:00Z"}"""));
        _server.Given(Request.Create().WithPath($"/v1.0/applications/{AppObjectId}/removePassword").UsingPost()).RespondWith(Response.Create().WithStatusCode(204));
        _server.ResetLogEntries();

        var rotated = await Sp(Carol, s => s.RotateAsync(listed.Id, new RotateCredentialCommand(), listed.Version));

        Assert.Equal("Xyz8Q~second-secret", rotated.Password);
        Assert.Null(rotated.Warning);
        var calls = Calls();
        Assert.Equal([$"POST /v1.0/applications/{AppObjectId}/addPassword", $"POST /v1.0/applications/{AppObjectId}/removePassword"], calls.Select(Describe).ToArray());
        AssertJson($$"""{"keyId":"{{KeyId}}"}""", calls[1]);

        _server.ResetLogEntries();
        await Sp(Carol, async s => { await s.DeleteAsync(listed.Id); return 0; });
        var assignmentName = ArmClient.RoleAssignmentName($"/subscriptions/{Sub}/resourceGroups/test-aro-rg", Guid.Parse(PrincipalId));
        Assert.Equal(
            [$"DELETE /subscriptions/{Sub}/resourceGroups/test-aro-rg/providers/Microsoft.Authorization/roleAssignments/{assignmentName}", $"DELETE /v1.0/applications/{AppObjectId}"],
            Calls().Select(Describe).ToArray());
        Assert.Equal(0, await _f.Db(db => db.ServicePrincipals.CountAsync()));
    }

    [Fact]
    public async Task A_refused_role_assignment_removes_the_new_application_again()
    {
        StubHappyPath(roleAssignmentSucceeds: false);
        _server.Given(Request.Create().WithPath(new WildcardMatcher(RoleAssignmentPath)).UsingPut())
            .RespondWith(Json(403, Error("AuthorizationFailed", "The client does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write'.")));

        var ex = await Assert.ThrowsAsync<ProvisioningException>(() => Sp(Carol, s => s.CreateAsync(SpTestData.Command())));

        Assert.Contains("User Access Administrator", ex.Message);
        Assert.Contains("AuthorizationFailed", ex.Message);
        Assert.Contains(Calls(), c => Describe(c) == $"DELETE /v1.0/applications/{AppObjectId}");
        Assert.Equal(0, await _f.Db(db => db.ServicePrincipals.CountAsync()));
    }

    // ---- Errors a person can act on, straight from the Graph and Resource Manager clients ----

    private GraphClient Graph() => _azure.Get<GraphClient>();

    private ArmClient Arm() => _azure.Get<ArmClient>();

    [Fact]
    public async Task A_401_says_to_check_the_portals_credentials_and_consent()
    {
        _server.Given(Request.Create().WithPath("/v1.0/applications").UsingGet())
            .RespondWith(Json(401, Error("InvalidAuthenticationToken", "Access token validation failure.")));

        var ex = await Assert.ThrowsAsync<ProvisioningException>(() => Graph().ApplicationExistsAsync(ContosoTenant, "x", default));

        Assert.Contains("Microsoft Graph did not accept the portal's token while looking up applications by name (401)", ex.Message);
        Assert.Contains("InvalidAuthenticationToken", ex.Message);
        Assert.Contains($"consented to the portal", ex.Message);
        Assert.Contains(ContosoTenant.ToString(), ex.Message);
    }

    [Fact]
    public async Task A_403_from_graph_names_the_permission_to_grant()
    {
        _server.Given(Request.Create().WithPath("/v1.0/applications").UsingPost())
            .RespondWith(Json(403, Error("Authorization_RequestDenied", "Insufficient privileges to complete the operation.")));

        var ex = await Assert.ThrowsAsync<ProvisioningException>(() => Graph().CreateApplicationAsync(ContosoTenant, "x", default));

        Assert.Contains("403 Forbidden", ex.Message);
        Assert.Contains("Application.ReadWrite.OwnedBy", ex.Message);
        Assert.Contains("admin consent", ex.Message);
    }

    [Fact]
    public async Task A_409_on_the_resource_group_is_a_conflict_with_azures_reason()
    {
        _server.Given(Request.Create().WithPath($"/subscriptions/{Sub}/resourcegroups/test-aro-rg").UsingPut())
            .RespondWith(Json(409, Error("InvalidResourceGroupLocation", "Invalid resource group location 'westeurope'. The Resource group already exists in location 'eastus2'.")));

        var ex = await Assert.ThrowsAsync<ConflictException>(() => Arm().CreateOrUpdateResourceGroupAsync(ContosoTenant, Sub, "test-aro-rg", "westeurope", default));

        Assert.Contains("InvalidResourceGroupLocation", ex.Message);
        Assert.Contains("already exists in location 'eastus2'", ex.Message);
    }

    [Fact]
    public async Task A_429_says_when_to_try_again()
    {
        _server.Given(Request.Create().WithPath("/v1.0/applications").UsingPost())
            .RespondWith(Json(429, Error("TooManyRequests", "Too many requests.")).WithHeader("Retry-After", "17"));

        var ex = await Assert.ThrowsAsync<ProvisioningException>(() => Graph().CreateApplicationAsync(ContosoTenant, "x", default));

        Assert.Equal(TimeSpan.FromSeconds(17), ex.RetryAfter);
        Assert.Equal(1, _azure.Count("POST", "/v1.0/applications"));
        Assert.Contains("throttling", ex.Message);
        Assert.Contains("Try again in 17 seconds.", ex.Message);
    }

    [Fact]
    public async Task An_existing_resource_group_that_is_not_there_is_an_input_error()
    {
        _server.Given(Request.Create().WithPath($"/subscriptions/{Sub}/resourcegroups/missing-rg").UsingGet())
            .RespondWith(Json(404, Error("ResourceGroupNotFound", "Resource group 'missing-rg' could not be found.")));

        var ex = await Assert.ThrowsAsync<InputValidationException>(() => _azure.Get<AzureDirectoryProvisioner>().EnsureResourceGroupAsync(ContosoTenant, Sub, "missing-rg", "", true, default));

        Assert.Contains("There is no resource group 'missing-rg'", Assert.Single(ex.Errors["ResourceGroupName"]));
    }

    private Task<T> WhileAdvancingTheClock<T>(Task<T> work) => _azure.WhileAdvancingTheClock(work);
}
