using System.Text.Json.Nodes;
using LockboxPortal.Infrastructure.ServicePrincipals;
using LockboxPortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using WireMock;
using WireMock.Logging;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace LockboxPortal.Tests.ServicePrincipals;

/// <summary>
/// A fake Microsoft Graph and Resource Manager on loopback (WireMock.Net), and a portal on a real SQLite file whose
/// Azure directory calls it. The HTTP pipeline waits on the portal's fake clock, so retry delays pass when a test
/// moves the clock, never by sleeping.
/// </summary>
internal sealed class AzureFake : IAsyncDisposable
{
    public const string Sub = SpTestData.Subscription;
    public const string AppObjectId = "11111111-1111-4111-8111-111111111111";
    public const string AppId = "22222222-2222-4222-8222-222222222222";
    public const string PrincipalId = "33333333-3333-4333-8333-333333333333";
    public const string KeyId = "44444444-4444-4444-8444-444444444444";
    public const string Secret = "Abc8Q~fake-secret-from-graph-0123456789xyz";
    public const string GroupScope = $"/subscriptions/{Sub}/resourceGroups/test-aro-rg";
    public const string ResourceGroupPath = $"/subscriptions/{Sub}/resourcegroups/test-aro-rg";
    public const string RoleAssignmentPath = $"{GroupScope}/providers/Microsoft.Authorization/roleAssignments/*";

    public WireMockServer Server { get; } = WireMockServer.Start();
    public PortalFixture Portal { get; }

    /// <param name="configure">Settings on top of these: the fake's URLs, a 1 s base retry delay, and attempt and total
    /// timeouts far beyond what a test's clock moves, so only a test about timeouts meets one.</param>
    public AzureFake(Action<IDictionary<string, string?>>? configure = null)
    {
        Portal = new PortalFixture(s =>
        {
            s["ServicePrincipals:Provisioner"] = "Azure";
            s["ServicePrincipals:GraphBaseUrl"] = Server.Url + "/v1.0";
            s["ServicePrincipals:ArmBaseUrl"] = Server.Url;
            s["ServicePrincipals:Http:RetryBaseDelay"] = "00:00:01";
            s["ServicePrincipals:Http:AttemptTimeout"] = "01:00:00";
            s["ServicePrincipals:Http:TotalTimeout"] = "02:00:00";
            configure?.Invoke(s);
        }, services => services.AddSingleton<IAccessTokenSource, FakeTokens>());
    }

    public async ValueTask DisposeAsync()
    {
        Server.Stop();
        Server.Dispose();
        await Portal.DisposeAsync();
    }

    private sealed class FakeTokens : IAccessTokenSource
    {
        public Task<string> GetAccessTokenAsync(string scope, Guid tenantId, CancellationToken ct) =>
            Task.FromResult($"{(scope.Contains("graph", StringComparison.Ordinal) ? "graph" : "arm")}:{tenantId}");
    }

    public T Get<T>() where T : notnull => Portal.Services.GetRequiredService<T>();

    public static IResponseBuilder Json(int status, string body) =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body);

    public static string Error(string code, string message) => $$$"""{"error":{"code":"{{{code}}}","message":"{{{message}}}"}}""";

    public static IRequestBuilder RoleAssignmentPut() => Request.Create().WithPath(new WildcardMatcher(RoleAssignmentPath)).UsingPut();

    /// <summary>Every call of a successful creation answered as Graph and Resource Manager would, at low priority so a test can override one.</summary>
    public void StubHappyPath(bool roleAssignmentSucceeds = true)
    {
        Server.Given(Request.Create().WithPath(ResourceGroupPath).UsingPut()).AtPriority(100)
            .RespondWith(Json(201, $$"""{"id":"{{GroupScope}}","location":"eastus2"}"""));
        Server.Given(Request.Create().WithPath("/v1.0/applications").UsingGet()).AtPriority(100)
            .RespondWith(Json(200, """{"value":[]}"""));
        Server.Given(Request.Create().WithPath("/v1.0/applications").UsingPost()).AtPriority(100)
            .RespondWith(Json(201, $$"""{"id":"{{AppObjectId}}","appId":"{{AppId}}","displayName":"test-aro-SP"}"""));
        Server.Given(Request.Create().WithPath("/v1.0/servicePrincipals").UsingPost()).AtPriority(100)
            .RespondWith(Json(201, $$"""{"id":"{{PrincipalId}}","appId":"{{AppId}}"}"""));
        Server.Given(Request.Create().WithPath($"/v1.0/applications/{AppObjectId}/addPassword").UsingPost()).AtPriority(100)
            .RespondWith(Json(200, $$"""{"keyId":"{{KeyId}}","secretText":"{{Secret}}","hint":"Abc","startDateTime":"2026-11-28T09:00:00Z","endDateTime":"2027-11-28T09:00:00Z"}"""));
        Server.Given(Request.Create().WithPath($"/v1.0/applications/{AppObjectId}").UsingDelete()).AtPriority(100).RespondWith(Response.Create().WithStatusCode(204));
        Server.Given(Request.Create().WithPath(new WildcardMatcher(RoleAssignmentPath)).UsingDelete()).AtPriority(100).RespondWith(Json(200, "{}"));
        if (roleAssignmentSucceeds)
            Server.Given(RoleAssignmentPut()).AtPriority(100).RespondWith(Json(201, "{}"));
    }

    /// <summary>
    /// The first <paramref name="times"/> matching requests get <paramref name="failure"/>; later ones fall through to
    /// the other stubs (the happy path).
    /// </summary>
    public void FailFirst(IRequestBuilder request, IResponseBuilder failure, int times = 1)
    {
        var scenario = Guid.NewGuid().ToString("N");
        for (var i = 0; i < times; i++)
        {
            var mapping = Server.Given(request).AtPriority(1).InScenario(scenario);
            if (i > 0) mapping = mapping.WhenStateIs($"failed-{i}");
            mapping.WillSetStateTo($"failed-{i + 1}").RespondWith(failure);
        }
    }

    /// <summary>
    /// Answers every matching request with <paramref name="body"/>, the first one only after <paramref name="delay"/> of
    /// real time. Returns how many requests have arrived (the server's log holds a request only once it was answered).
    /// </summary>
    public Func<int> SlowFirst(IRequestBuilder request, int status, string body, TimeSpan delay)
    {
        var arrivals = 0;
        Server.Given(request).AtPriority(1).RespondWith(Response.Create().WithCallback(async _ =>
        {
            if (Interlocked.Increment(ref arrivals) == 1) await Task.Delay(delay);
            return (IResponseMessage)new ResponseMessage
            {
                StatusCode = status,
                Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json") },
                BodyData = new BodyData { BodyAsString = body, DetectedBodyType = BodyType.String },
            };
        }));
        return () => Volatile.Read(ref arrivals);
    }

    public List<ILogEntry> Calls() => Server.LogEntries.OrderBy(e => e.RequestMessage.DateTime).ToList();

    public int Count(string method, string path) =>
        Server.LogEntries.Count(e => e.RequestMessage.Method == method && e.RequestMessage.Path == path);

    public static string Describe(ILogEntry e) => $"{e.RequestMessage.Method} {e.RequestMessage.Path}";

    public static void AssertJson(string expected, ILogEntry e) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(e.RequestMessage.Body!)),
            $"{Describe(e)} sent {e.RequestMessage.Body}, expected {expected}");

    /// <summary>Runs <paramref name="work"/> while moving the fake clock on a second at a time, so backoff delays elapse.</summary>
    public async Task<T> WhileAdvancingTheClock<T>(Task<T> work)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!work.IsCompleted && DateTime.UtcNow < deadline)
        {
            Portal.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(work, Task.Delay(5));
        }
        return await work;
    }

    public Task WhileAdvancingTheClock(Task work) => WhileAdvancingTheClock(AsValue(work));

    private static async Task<int> AsValue(Task work)
    {
        await work;
        return 0;
    }
}
