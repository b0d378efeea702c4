using System.Collections.Concurrent;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.FaultDrill;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LockboxPortal.EndToEnd.Tests.MultiInstance;

/// <summary>
/// Approvers working through their lists in the browser as fast as the pages allow, as a person would when an
/// instance dies under them: an action that fails (a dead connection, a page reloading onto another instance)
/// is retried from the request's page, and a request that already shows a decision is not decided again.
/// </summary>
public sealed class ApprovalBurst
{
    private int _decidedViaVictim;
    private int _decidedAfterKill;
    private int _retries;

    /// <summary>What each approver's page showed as decided: what must not be lost (the fault suite's "reported").</summary>
    public ConcurrentDictionary<Guid, (AccessRequestStatus Status, string Approver, int Round)> Reported { get; } = new();

    public int DecidedViaVictim => Volatile.Read(ref _decidedViaVictim);
    public int DecidedAfterKill => Volatile.Read(ref _decidedAfterKill);
    public int Retries => Volatile.Read(ref _retries);

    /// <summary>Why actions were retried (the first line of each failure), for the test's output.</summary>
    public ConcurrentQueue<string> Failures { get; } = new();

    /// <summary>Requests a page already showed decided when the approver opened them, for the test's output.</summary>
    public ConcurrentQueue<string> Found { get; } = new();

    /// <summary>How long one approver keeps trying one request: generous, the build machine may be far busier than two cores suggest.</summary>
    private static readonly TimeSpan PerDecision = TimeSpan.FromSeconds(120);
    private const float ActionTimeout = 15_000;

    /// <summary>Set just before the instance is killed; decisions seen after it count as round 1.</summary>
    public volatile bool Killed;

    public async Task RunAsync(IPage page, string baseUrl, IReadOnlyList<PlannedDecision> plan, bool viaVictim)
    {
        foreach (var planned in plan)
        {
            var target = planned.Verb == DrillVerb.Approve ? AccessRequestStatus.Approved : AccessRequestStatus.Denied;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    await page.GotoAsync($"{baseUrl}/lockbox/requests/{planned.RequestId}", new PageGotoOptions { Timeout = 2 * ActionTimeout });
                    await page.WaitForSelectorAsync("[data-interactive=true]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached, Timeout = ActionTimeout });
                    var status = page.ByTestId("request-status");
                    await status.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = ActionTimeout });
                    // Only what the page shows of this request counts as reported, whatever else the browser was doing:
                    // the id and the status are read in one step, so a reload between two reads cannot pair them wrongly.
                    var texts = await page.EvaluateAsync<string[]>(
                        "() => ['request-id', 'request-status'].map(id => document.querySelector(`[data-testid=${id}]`)?.innerText ?? '')");
                    var (showing, shown) = (texts[0].Trim(), texts[1]);
                    if (showing != planned.RequestId.ToString())
                        throw new PlaywrightException($"{page.Url} shows request {showing}, not {planned.RequestId}.");
                    if (!shown.Contains("Customer Notified", StringComparison.Ordinal))
                    {
                        // Decided by an earlier attempt whose page died before it could show it.
                        var decision = string.Join(" ", await page.ByTestId("decision").AllInnerTextsAsync());
                        Found.Enqueue($"{planned.Approver} found {planned.RequestId:N} {shown.Trim()} on opening it at {page.Url} ({decision})");
                        Seen(planned, shown.Contains("Approved", StringComparison.Ordinal) ? AccessRequestStatus.Approved : AccessRequestStatus.Denied, viaVictim);
                        break;
                    }
                    if (planned.Verb == DrillVerb.Approve)
                    {
                        await page.ByTestId("approve").ClickAsync(new LocatorClickOptions { Timeout = ActionTimeout });
                        await page.ByTestId("confirm-approve").ClickAsync(new LocatorClickOptions { Timeout = ActionTimeout });
                    }
                    else
                    {
                        await page.ByTestId("deny").ClickAsync(new LocatorClickOptions { Timeout = ActionTimeout });
                        await page.ByTestId("deny-reason").FillAsync("Not during the change freeze.", new LocatorFillOptions { Timeout = ActionTimeout });
                        await page.ByTestId("confirm-deny").ClickAsync(new LocatorClickOptions { Timeout = ActionTimeout });
                    }
                    await Expect(status).ToContainTextAsync(target.ToString(), new LocatorAssertionsToContainTextOptions { Timeout = ActionTimeout });
                    Seen(planned, target, viaVictim);
                    break;
                }
                // Playwright reports a timeout as System.TimeoutException, everything else as PlaywrightException.
                catch (Exception ex) when ((ex is PlaywrightException or TimeoutException) && clock.Elapsed < PerDecision)
                {
                    Interlocked.Increment(ref _retries);
                    Failures.Enqueue($"{planned.Approver} on {planned.RequestId:N}: {ex.Message.Split('\n')[0]}");
                    await Task.Delay(300);
                }
            }
        }
    }

    private void Seen(PlannedDecision planned, AccessRequestStatus status, bool viaVictim)
    {
        var killed = Killed;
        Reported[planned.RequestId] = (status, planned.Approver, killed ? 1 : 0);
        if (viaVictim && !killed) Interlocked.Increment(ref _decidedViaVictim);
        if (killed) Interlocked.Increment(ref _decidedAfterKill);
    }
}
