using System.Text.Json.Nodes;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.ServicePrincipals;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WireMock.Logging;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.ServicePrincipals;

/// <summary>The Azure adapter against a fake Graph and Resource Manager on loopback (WireMock.Net).</summary>
public sealed class AzureDirectoryProvisionerTests : IAsyncLifetime
{
    private const string Sub = SpTestData.Subscription;
    private const string AppObjectId = "11111111-1111-4111-8111-111111111111";
    private const string AppId = "22222222-2222-4222-8222-222222222222";
    private const string PrincipalId = "33333333-3333-4333-8333-333333333333";
    private const string KeyId = "44444444-4444-4444-8444-444444444444";
    private const string Secret = "Abc8Q~fake-secret-from-graph-0123456789xyz";

    private readonly WireMockServer _server = WireMockServer.Start();
    private readonly PortalFixture _f;

    public AzureDirectoryProvisionerTests()
    {
        _f = new PortalFixture(s =>
        {
            s["ServicePrincipals:Provisioner"] = "Azure";
            s["ServicePrincipals:GraphBaseUrl"] = _server.Url + "/v1.0";
            s["ServicePrincipals:ArmBaseUrl"] = _server.Url;
        }, services => services.AddSingleton<IAccessTokenSource, FakeTokens>());
    }

    public Task InitializeAsync() => _f.InitializeAsync();

    public async Task DisposeAsync()
    {
        _server.Stop();
        _server.Dispose();
        await _f.DisposeAsync();
    }

    private sealed class FakeTokens : IAccessTokenSource
    {
        public Task<string> GetAccessTokenAsync(string scope, Guid tenantId, CancellationToken ct) =>
            Task.FromResult($"{(scope.Contains("graph", StringComparison.Ordinal) ? "graph" : "arm")}:{tenantId}");
    }

    private Task<T> Sp<T>(DemoPersona who, Func<ServicePrincipalService, Task<T>> call) =>
        _f.As(who, sp => call(sp.GetRequiredService<ServicePrincipalService>()));

    private static IResponseBuilder Json(int status, string body) =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body);

    private static string Error(string code, string message) => $$$"""{"error":{"code":"{{{code}}}","message":"{{{message}}}"}}""";

    private static readonly string RoleAssignmentPath = $"/subscriptions/{Sub}/resourceGroups/test-aro-rg/providers/Microsoft.Authorization/roleAssignments/*";

    private void StubHappyPath(bool roleAssignmentSucceeds = true)
    {
        _server.Given(Request.Create().WithPath($"/subscriptions/{Sub}/resourcegroups/test-aro-rg").UsingPut()).AtPriority(100)
            .RespondWith(Json(201, $$"""{"id":"/subscriptions/{{Sub}}/resourceGroups/test-aro-rg","location":"eastus2"}"""));
        _server.Given(Request.Create().WithPath("/v1.0/applications").UsingGet()).AtPriority(100)
            .RespondWith(Json(200, """{"value":[]}"""));
        _server.Given(Request.Create().WithPath("/v1.0/applications").UsingPost()).AtPriority(100)
            .RespondWith(Json(201, $$"""{"id":"{{AppObjectId}}","appId":"{{AppId}}","displayName":"test-aro-SP"}"""));
        _server.Given(Request.Create().WithPath("/v1.0/servicePrincipals").UsingPost()).AtPriority(100)
            .RespondWith(Json(201, $$"""{"id":"{{PrincipalId}}","appId":"{{AppId}}"}"""));
        _server.Given(Request.Create().WithPath($"/v1.0/applications/{AppObjectId}/addPassword").UsingPost()).AtPriority(100)
            .RespondWith(Json(200, $$"""{"keyId":"{{KeyId}}","secretText":"{{Secret}}","hint":"Abc","startDateTime":"2026-11-28T09:00:00Z","endDateTime":"2027-11-28T09:00:00Z"}"""));
        _server.Given(Request.Create().WithPath($"/v1.0/applications/{AppObjectId}").UsingDelete()).AtPriority(100).RespondWith(Response.Create().WithStatusCode(204));
        _server.Given(Request.Create().WithPath(new WildcardMatcher(RoleAssignmentPath)).UsingDelete()).AtPriority(100).RespondWith(Json(200, "{}"));
        if (roleAssignmentSucceeds)
            _server.Given(Request.Create().WithPath(new WildcardMatcher(RoleAssignmentPath)).UsingPut()).AtPriority(100).RespondWith(Json(201, "{}"));
    }

    private List<ILogEntry> Calls() => _server.LogEntries.OrderBy(e => e.RequestMessage.DateTime).ToList();

    private static string Describe(ILogEntry e) => $"{e.RequestMessage.Method} {e.RequestMessage.Path}";

    private static void AssertJson(string expected, ILogEntry e) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(e.RequestMessage.Body!)),
            $"{Describe(e)} sent {e.RequestMessage.Body}, expected {expected}");

    private static string Authorization(ILogEntry e) => e.RequestMessage.Headers!["Authorization"].Single();

    [Fact]
    public async Task Creating_makes_exactly_the_graph_and_arm_calls_with_their_bodies()
    {
        StubHappyPath();

        var secret = await Sp(Carol, s => s.CreateAsync(SpTestData.Command()));

        var calls = Calls();
        var assignmentName = AzureDirectoryProvisioner.RoleAssignmentName($"/subscriptions/{Sub}/resourceGroups/test-aro-rg", Guid.Parse(PrincipalId));
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
        var assignmentName = AzureDirectoryProvisioner.RoleAssignmentName($"/subscriptions/{Sub}/resourceGroups/test-aro-rg", Guid.Parse(PrincipalId));
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

    // ---- Errors a person can act on, straight from the adapter ----

    private AzureDirectoryProvisioner Adapter() => new(new HttpClient(), new FakeTokens(),
        Options.Create(new AzureDirectoryOptions { GraphBaseUrl = _server.Url + "/v1.0", ArmBaseUrl = _server.Url! }),
        new FakeTimeProvider(PortalFixture.Start), NullLogger<AzureDirectoryProvisioner>.Instance);

    [Fact]
    public async Task A_401_says_to_check_the_portals_credentials_and_consent()
    {
        _server.Given(Request.Create().WithPath("/v1.0/applications").UsingGet())
            .RespondWith(Json(401, Error("InvalidAuthenticationToken", "Access token validation failure.")));

        var ex = await Assert.ThrowsAsync<ProvisioningException>(() => Adapter().ApplicationExistsAsync(ContosoTenant, "x", default));

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

        var ex = await Assert.ThrowsAsync<ProvisioningException>(() => Adapter().CreateApplicationAsync(ContosoTenant, "x", default));

        Assert.Contains("403 Forbidden", ex.Message);
        Assert.Contains("Application.ReadWrite.OwnedBy", ex.Message);
        Assert.Contains("admin consent", ex.Message);
    }

    [Fact]
    public async Task A_409_on_the_resource_group_is_a_conflict_with_azures_reason()
    {
        _server.Given(Request.Create().WithPath($"/subscriptions/{Sub}/resourcegroups/test-aro-rg").UsingPut())
            .RespondWith(Json(409, Error("InvalidResourceGroupLocation", "Invalid resource group location 'westeurope'. The Resource group already exists in location 'eastus2'.")));

        var ex = await Assert.ThrowsAsync<ConflictException>(() => Adapter().EnsureResourceGroupAsync(ContosoTenant, Sub, "test-aro-rg", "westeurope", false, default));

        Assert.Contains("InvalidResourceGroupLocation", ex.Message);
        Assert.Contains("already exists in location 'eastus2'", ex.Message);
    }

    [Fact]
    public async Task A_429_says_when_to_try_again()
    {
        _server.Given(Request.Create().WithPath("/v1.0/applications").UsingPost())
            .RespondWith(Json(429, Error("TooManyRequests", "Too many requests.")).WithHeader("Retry-After", "17"));

        var ex = await Assert.ThrowsAsync<ProvisioningException>(() => Adapter().CreateApplicationAsync(ContosoTenant, "x", default));

        Assert.Equal(TimeSpan.FromSeconds(17), ex.RetryAfter);
        Assert.Contains("throttling", ex.Message);
        Assert.Contains("Try again in 17 seconds.", ex.Message);
    }

    [Fact]
    public async Task An_existing_resource_group_that_is_not_there_is_an_input_error()
    {
        _server.Given(Request.Create().WithPath($"/subscriptions/{Sub}/resourcegroups/missing-rg").UsingGet())
            .RespondWith(Json(404, Error("ResourceGroupNotFound", "Resource group 'missing-rg' could not be found.")));

        var ex = await Assert.ThrowsAsync<InputValidationException>(() => Adapter().EnsureResourceGroupAsync(ContosoTenant, Sub, "missing-rg", "", true, default));

        Assert.Contains("There is no resource group 'missing-rg'", Assert.Single(ex.Errors["ResourceGroupName"]));
    }

    /// <summary>Runs <paramref name="work"/> while moving the fake clock on, so the adapter's backoff delays elapse.</summary>
    private async Task<T> WhileAdvancingTheClock<T>(Task<T> work)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!work.IsCompleted && DateTime.UtcNow < deadline)
        {
            _f.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(work, Task.Delay(5));
        }
        return await work;
    }
}
