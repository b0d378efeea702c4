using System.Diagnostics;
using LockboxPortal.Application.Audit;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.FaultDrill;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit.Abstractions;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Faults;

/// <summary>Runs alone: it starts the portal as a child process over and over, which wants both cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultCollection
{
    public const string Name = "Faults (runs alone)";
}

/// <summary>
/// The hardening issue's fault suite: the portal process is killed with SIGKILL at random points during a
/// burst of approver decisions, restarted, and killed again, many times; a last run finishes the burst and
/// drains the outbox. Then no decision may be lost or doubled, every email must be in the pickup folder
/// exactly once, the audit chain must verify and the SQLite file must pass its integrity check.
/// <para>
/// The seed (LOCKBOX_FAULT_SEED) fixes the plan and the kill delays and is printed, so a failing run can be
/// replayed; LOCKBOX_FAULT_ROUNDS sets the number of kills (default 20). Where a kill lands in the work is
/// still up to the scheduler, which is the point.
/// </para>
/// </summary>
[Trait(Category.Name, Category.Slow)]
[Collection(FaultCollection.Name)]
public sealed class SigkillFaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int ContosoOwnPerApprover = 70;
    private const int ContosoContested = 20;
    private const int FabrikamRequests = 80;

    /// <summary>
    /// Mean pause between two decisions of one approver: long enough that the burst spans most kill rounds
    /// (three approvers at ~7 decisions/s each: the 240 decisions take ~12 s of burst, the kills land 0.05–1.5 s in).
    /// </summary>
    private const int ThinkTimeMs = 150;

    private readonly PortalFixture _f = new(s => s["RateLimits:RequestFiling:PermitLimit"] = "100000",
        // The drill runs on the real clock, so the requests must be filed on it too.
        services => services.AddSingleton(TimeProvider.System),
        sqliteOnly: true);

    private string Directory => Path.GetDirectoryName(_f.DatabasePath)!;
    private string MailDirectory => Path.Combine(Directory, "data", "mail");

    public Task InitializeAsync() => _f.InitializeAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Killed_at_random_points_of_a_decision_burst_and_restarted_loses_no_decision_doubles_nothing_and_sends_each_email_once()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("LOCKBOX_FAULT_SEED"), out var s) ? s : Random.Shared.Next();
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("LOCKBOX_FAULT_ROUNDS"), out var r) ? r : 20;
        var rng = new Random(seed);
        output.WriteLine($"Fault drill seed {seed} (replay with LOCKBOX_FAULT_SEED={seed}), {rounds} kill rounds; drill at {DrillProcess.DrillAssemblyPath}");
        var total = Stopwatch.StartNew();

        var plan = await SeedAsync(rng);
        var planPath = Path.Combine(Directory, "plan.txt");
        await File.WriteAllTextAsync(planPath, DrillProtocol.FormatPlan(plan));
        output.WriteLine($"Seeded {plan.Select(p => p.RequestId).Distinct().Count()} pending requests ({ContosoContested} contested by two approvers) in {total.Elapsed.TotalSeconds:0.0} s");

        var log = new List<RoundLog>();
        for (var round = 1; round <= rounds; round++)
        {
            // Most kills are timed from the first decision of the run, so they land while decisions commit and
            // mail goes out; some from the start of the burst (the cold first calls) and some from the process
            // start (migration check, key loading, the first dispatch and sweep).
            var from = rng.Next(10) switch { < 2 => KillTimer.ProcessStart, < 4 => KillTimer.BurstStart, _ => KillTimer.FirstDecision };
            var delay = TimeSpan.FromMilliseconds(rng.Next(50, 1501));
            using var drill = DrillProcess.Start(Settings(planPath, ThinkTimeMs));
            if (from != KillTimer.ProcessStart)
            {
                var mark = from == KillTimer.BurstStart ? drill.Ready : drill.Deciding;
                var first = await Task.WhenAny(mark, drill.Exited, Task.Delay(TimeSpan.FromSeconds(60)));
                Assert.True(first == mark || drill.HasExited, $"Round {round}: the drill did not get to the {from} within 60 s.\n{drill.Tail()}");
            }
            await Task.WhenAny(drill.Exited, Task.Delay(delay));
            var killed = !drill.HasExited;
            if (killed) drill.Kill();
            await drill.Exited.WaitAsync(TimeSpan.FromSeconds(30));
            log.Add(RoundLog.Of(round, drill, killed, delay, from));
            output.WriteLine(log[^1].ToString());
        }

        var finalRun = Stopwatch.StartNew();
        using (var last = DrillProcess.Start(Settings(planPath, thinkTimeMs: 0)))
        {
            var finished = await Task.WhenAny(last.Exited, Task.Delay(TimeSpan.FromSeconds(120)));
            Assert.True(finished == last.Exited, $"The final run did not finish the burst and drain the outbox within 120 s.\n{last.Tail()}");
            log.Add(RoundLog.Of(rounds + 1, last, killed: false, finalRun.Elapsed, KillTimer.ProcessStart));
            output.WriteLine(log[^1].ToString() + " (final run)");
            Assert.True(last.ExitCode == 0 && last.Said(DrillProtocol.Drained),
                $"The final run should end by itself after draining the outbox (exit code {last.ExitCode}).\n{last.Tail()}");
        }

        var problems = new List<string>();
        problems.AddRange(log.SelectMany(l => l.Errors));
        var decided = CheckDecisions(plan, log, problems, out var decisionsByRound);
        var checkedRequests = await CheckDatabaseAsync(plan, decided, problems);
        var (emails, reclaimed, maxAttempts) = await CheckEmailAsync(problems);
        var audits = await _f.Services.GetRequiredService<AuditVerifier>().VerifyAllAsync();
        foreach (var chain in audits)
        {
            if (!chain.Intact) problems.Add($"The {chain.ChainName} audit chain does not verify: {chain.Summary}");
            if (chain.AnchorWarning is not null) problems.Add($"The {chain.ChainName} audit chain was not checked against its anchors: {chain.AnchorWarning}");
        }
        var integrity = await IntegrityCheckAsync();
        if (integrity != "ok") problems.Add($"PRAGMA integrity_check says: {integrity}");

        var kills = log.Count(l => l.Killed);
        var midBurst = log.Count(l => l.Killed && l.Decided > 0 && !l.BurstDone);
        output.WriteLine($"Rounds {rounds} + final; kills {kills}: {midBurst} mid-burst (decisions committed in the round, burst unfinished), " +
            $"{log.Count(l => l.Killed && l.Ready && l.Decided == 0 && !l.BurstDone)} before the run's first decision, " +
            $"{log.Count(l => l.Killed && !l.Ready)} during start-up, {log.Count(l => l.Killed && l.BurstDone)} after the burst; " +
            $"{log.Count(l => !l.Killed && l.Round <= rounds)} runs ended by themselves.");
        output.WriteLine($"Decided {checkedRequests} requests, {decided.Count} reported by the drill (a kill can land between the commit and the report; " +
            $"per round: {string.Join(' ', decisionsByRound)}), " +
            $"conflicts between two approvers {log.Sum(l => l.Conflicts)}; emails {emails} (.eml files), {reclaimed} messages claimed again after a kill " +
            $"interrupted the dispatch holding them (at most {maxAttempts} claims); audit {string.Join("; ", audits.Select(a => $"{a.ChainName}: {a.Summary}"))} {audits.Sum(a => a.CheckpointsVerified)} checkpoints, {audits.Sum(a => a.AnchorsVerified)} anchors; integrity {integrity}; elapsed {total.Elapsed.TotalSeconds:0.0} s.");

        Assert.True(problems.Count == 0, $"{problems.Count} problem(s) after {kills} kills (seed {seed}):\n" + string.Join('\n', problems.Take(40)));
        Assert.True(midBurst > 0, $"No kill landed mid-burst in {rounds} rounds, so the drill proved nothing; the think time or the delays need tuning.");
    }

    /// <summary>
    /// Tickets for Contoso (Microsoft) and Fabrikam (Red Hat), pending requests on them filed through the real
    /// service, and the approvers' plan: Carol and Adam split Contoso's and both act on some of them (Carol
    /// approves, Adam denies, at the same place in their lists), Frank decides Fabrikam's.
    /// </summary>
    private async Task<List<PlannedDecision>> SeedAsync(Random rng)
    {
        var contosoTicket = await _f.OpenTicketAsync(Uma);
        var fabrikamTicket = await _f.OpenTicketAsync(Fiona, "Red Hat");
        var contoso = new List<Guid>();
        for (var i = 0; i < 2 * ContosoOwnPerApprover + ContosoContested; i++)
            contoso.Add((await _f.FileAsync(Mia, Scenario.Request(contosoTicket.Number))).Id);
        var fabrikam = new List<Guid>();
        for (var i = 0; i < FabrikamRequests; i++)
            fabrikam.Add((await _f.FileAsync(Ravi, Scenario.Request(fabrikamTicket.Number))).Id);

        DrillVerb Either() => rng.NextDouble() < 0.7 ? DrillVerb.Approve : DrillVerb.Deny;
        var shuffled = contoso.OrderBy(_ => rng.Next()).ToList();
        var contested = new Queue<Guid>(shuffled.Take(ContosoContested));
        var own = new Queue<Guid>(shuffled.Skip(ContosoContested));
        var carol = new List<PlannedDecision>();
        var adam = new List<PlannedDecision>();
        for (var k = 0; contested.Count + own.Count > 0; k++)
        {
            if (k % 4 == 2 && contested.TryDequeue(out var both))
            {
                carol.Add(new(both, DrillVerb.Approve, Carol.Key));
                adam.Add(new(both, DrillVerb.Deny, Adam.Key));
                continue;
            }
            if (own.TryDequeue(out var c)) carol.Add(new(c, Either(), Carol.Key));
            if (own.TryDequeue(out var a)) adam.Add(new(a, Either(), Adam.Key));
        }
        var frank = fabrikam.OrderBy(_ => rng.Next()).Select(id => new PlannedDecision(id, Either(), Frank.Key));
        return [.. carol, .. adam, .. frank];
    }

    private Dictionary<string, string> Settings(string planPath, int thinkTimeMs) => new()
    {
        [DrillProtocol.PlanKey] = planPath,
        [DrillProtocol.ThinkTimeKey] = thinkTimeMs.ToString(),
        ["Database:Provider"] = "Sqlite",
        ["ConnectionStrings:Lockbox"] = _f.ConnectionString,
        // The fixture's key ring protects the signing key the seeded requests were filed with.
        ["DataProtection:KeysPath"] = Path.Combine(Directory, "data", "keys"),
        ["Email:PickupDirectory"] = MailDirectory,
        // The fixture verifies the drill's checkpoints against the anchors the drill wrote.
        ["Audit:Anchors:Folder"] = Path.Combine(Directory, "data", "audit-digests"),
        // The shortest lease the options allow: a kill mid-dispatch leaves its batch claimed this long.
        ["Email:ClaimLease"] = "00:00:10",
        ["Email:PollInterval"] = "00:00:00.500",
        ["Portal:PublicBaseUrl"] = _f.Configuration["Portal:PublicBaseUrl"]!,
        ["Portal:MailFrom"] = _f.Configuration["Portal:MailFrom"]!,
        // Production sign-in needs an app registration; nobody signs in here, the approvers act as circuits do.
        ["AzureAd:ClientId"] = "0f1d1d1f-0000-4000-8000-00000000fa17",
        ["urls"] = "http://127.0.0.1:0",
    };

    /// <summary>Every DECIDED line, checked against the others: a request reported decided twice was decided twice.</summary>
    private static Dictionary<Guid, (AccessRequestStatus Status, string Approver, int Round)> CheckDecisions(
        IReadOnlyList<PlannedDecision> plan, IReadOnlyList<RoundLog> log, List<string> problems, out List<int> perRound)
    {
        var decided = new Dictionary<Guid, (AccessRequestStatus Status, string Approver, int Round)>();
        perRound = [];
        foreach (var round in log)
        {
            perRound.Add(round.Decisions.Count);
            foreach (var (id, status, approver) in round.Decisions)
            {
                if (decided.TryGetValue(id, out var earlier))
                    problems.Add($"Request {id} was reported decided twice: {earlier.Status} by {earlier.Approver} in round {earlier.Round}, {status} by {approver} in round {round.Round}.");
                else
                    decided[id] = (status, approver, round.Round);
                if (!plan.Any(p => p.RequestId == id && p.Approver == approver))
                    problems.Add($"Request {id} was reported decided by {approver}, who had no such request in the plan.");
            }
        }
        return decided;
    }

    private async Task<int> CheckDatabaseAsync(IReadOnlyList<PlannedDecision> plan,
        IReadOnlyDictionary<Guid, (AccessRequestStatus Status, string Approver, int Round)> reported, List<string> problems)
    {
        var requests = await _f.Db(db => db.AccessRequests.AsNoTracking().ToDictionaryAsync(x => x.Id));
        var audit = await _f.Db(db => db.AuditEntries.AsNoTracking().Where(e => e.Target.StartsWith("access-request/"))
            .OrderBy(e => e.Sequence).ToListAsync());
        var auditByRequest = audit.ToLookup(e => Guid.Parse(e.Target["access-request/".Length..]));
        var grants = (await _f.Db(db => db.AccessGrants.AsNoTracking().Select(g => g.RequestId).ToListAsync())).ToLookup(id => id);
        var oids = All.ToDictionary(p => p.Key, p => p.Oid);

        foreach (var planned in plan.GroupBy(p => p.RequestId))
        {
            var id = planned.Key;
            if (!requests.TryGetValue(id, out var request))
            {
                problems.Add($"Request {id} of the plan is missing from the database.");
                continue;
            }

            var expected = planned.Select(p => p.Verb == DrillVerb.Approve ? AccessRequestStatus.Approved : AccessRequestStatus.Denied).Distinct().ToList();
            if (!expected.Contains(request.Status))
                problems.Add($"Request {id} ends {request.Status}; its plan said {string.Join(" or ", expected)}" +
                    (request.Status == AccessRequestStatus.CustomerNotified ? ": the burst did not resume it after a restart." : "."));
            if (reported.TryGetValue(id, out var said))
            {
                if (said.Status != request.Status)
                    problems.Add($"Request {id} was reported {said.Status} by {said.Approver} in round {said.Round}, but the database says {request.Status}: a committed decision was lost.");
                else if (request.DecidedByOid != oids[said.Approver])
                    problems.Add($"Request {id} was reported decided by {said.Approver} in round {said.Round}, but the database names {request.DecidedByName}.");
            }

            // The audit trail of the request replays through the lifecycle table to the status it has now.
            var actions = auditByRequest[id].Select(e => e.Action).ToList();
            var state = (AccessRequestStatus?)null;
            foreach (var action in actions)
            {
                (state, var legal) = (state, action) switch
                {
                    (null, AuditActions.RequestFiled) => (AccessRequestStatus.CustomerNotified, true),
                    ({ } from, AuditActions.RequestApproved) => AccessRequestLifecycle.TryApply(from, LifecycleEvent.Approve, out var to) ? (to, true) : (from, false),
                    ({ } from, AuditActions.RequestDenied) => AccessRequestLifecycle.TryApply(from, LifecycleEvent.Deny, out var to) ? (to, true) : (from, false),
                    (AccessRequestStatus.Approved, AuditActions.GrantIssued) => (AccessRequestStatus.Approved, true),
                    _ => (state, false),
                };
                if (!legal) problems.Add($"Request {id}: audit action {action} is not a legal step from {state?.ToString() ?? "nothing"} (trail: {string.Join(", ", actions)}).");
            }
            var trail = request.Status == AccessRequestStatus.Approved
                ? new[] { AuditActions.RequestFiled, AuditActions.RequestApproved, AuditActions.GrantIssued }
                : [AuditActions.RequestFiled, AuditActions.RequestDenied];
            if (!actions.SequenceEqual(trail))
                problems.Add($"Request {id} ({request.Status}) has the audit trail [{string.Join(", ", actions)}]; expected [{string.Join(", ", trail)}]: one decision entry, one grant entry when approved.");
            var decision = auditByRequest[id].FirstOrDefault(e => e.Action is AuditActions.RequestApproved or AuditActions.RequestDenied);
            if (decision is not null && decision.ActorOid != request.DecidedByOid)
                problems.Add($"Request {id}: the decision was audited as {decision.Actor} but recorded as {request.DecidedByName}.");

            var grantCount = grants[id].Count();
            var expectedGrants = request.Status == AccessRequestStatus.Approved ? 1 : 0;
            if (grantCount != expectedGrants)
                problems.Add($"Request {id} ({request.Status}) has {grantCount} grants; expected {expectedGrants}.");
        }
        return plan.Select(p => p.RequestId).Distinct().Count();
    }

    /// <summary>
    /// Every outbox message sent and no longer claimed; per request one email to the approvers when filed and one
    /// to the engineer about the decision, and one to the ticket's opener for each; and in the pickup folder exactly one complete .eml per message, found by
    /// its Message-Id, and nothing else (a half-written .tmp must have been replaced by the resend).
    /// </summary>
    private async Task<(int Files, int Reclaimed, int MaxAttempts)> CheckEmailAsync(List<string> problems)
    {
        var outbox = await _f.Db(db => db.OutboxMessages.AsNoTracking().ToListAsync());
        var statuses = await _f.Db(db => db.AccessRequests.AsNoTracking().ToDictionaryAsync(x => x.Id, x => x.Status));

        foreach (var m in outbox.Where(m => m.Status != OutboxStatus.Sent || m.ClaimedBy is not null || m.SentAt is null))
            problems.Add($"Outbox message {m.MessageId} ({m.Kind}) is {m.Status} after {m.Attempts} attempts, claimed by {m.ClaimedBy ?? "nobody"} until {m.ClaimedUntil:O}; last error {m.LastError ?? "none"}.");
        foreach (var (id, status) in statuses)
        {
            var kinds = outbox.Where(m => m.AccessRequestId == id).Select(m => m.Kind).Order().ToList();
            var expected = status switch
            {
                AccessRequestStatus.Approved => new[] { OutboxKinds.RequestApproved, OutboxKinds.RequestFiled, OutboxKinds.OpenerNotified, OutboxKinds.OpenerNotified },
                AccessRequestStatus.Denied => [OutboxKinds.RequestDenied, OutboxKinds.RequestFiled, OutboxKinds.OpenerNotified, OutboxKinds.OpenerNotified],
                _ => [OutboxKinds.RequestFiled, OutboxKinds.OpenerNotified],
            };
            if (!kinds.SequenceEqual(expected.Order()))
                problems.Add($"Request {id} ({status}) has the outbox messages [{string.Join(", ", kinds)}]; expected [{string.Join(", ", expected.Order())}].");
        }

        var files = System.IO.Directory.Exists(MailDirectory) ? System.IO.Directory.GetFiles(MailDirectory) : [];
        foreach (var stray in files.Where(f => !f.EndsWith(".eml", StringComparison.Ordinal)))
            problems.Add($"The pickup folder holds {Path.GetFileName(stray)}, which is not a finished message.");

        var byMessageId = new Dictionary<string, List<string>>();
        var read = new Dictionary<string, MimeMessage>();
        foreach (var file in files.Where(f => f.EndsWith(".eml", StringComparison.Ordinal)))
        {
            try
            {
                var message = await MimeMessage.LoadAsync(file);
                var key = $"<{message.MessageId}>";
                if (!byMessageId.TryGetValue(key, out var names)) byMessageId[key] = names = [];
                names.Add(Path.GetFileName(file));
                read[key] = message;
            }
            catch (Exception ex) when (ex is FormatException or IOException)
            {
                problems.Add($"{Path.GetFileName(file)} cannot be read as a message: {ex.Message}");
            }
        }
        foreach (var (key, names) in byMessageId.Where(x => x.Value.Count > 1))
            problems.Add($"Message {key} was delivered {names.Count} times: {string.Join(", ", names)}.");
        foreach (var key in byMessageId.Keys.Except(outbox.Select(m => m.MessageId)))
            problems.Add($"The pickup folder holds message {key}, which no outbox row sent.");
        foreach (var m in outbox)
        {
            if (!read.TryGetValue(m.MessageId, out var message))
            {
                problems.Add($"Outbox message {m.MessageId} ({m.Kind}, {m.Status}) is not in the pickup folder.");
                continue;
            }
            var to = message.To.Mailboxes.Select(a => a.Address).Order(StringComparer.OrdinalIgnoreCase);
            if (message.Subject != m.Subject || !to.SequenceEqual(m.Recipients.Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase)
                || message.TextBody?.Contains(m.AccessRequestId.ToString()!, StringComparison.Ordinal) != true)
                problems.Add($"The .eml of {m.MessageId} does not carry its outbox row's subject, recipients and body.");
        }
        return (files.Length, outbox.Count(m => m.Attempts > 1), outbox.Select(m => m.Attempts).DefaultIfEmpty().Max());
    }

    private async Task<string> IntegrityCheckAsync()
    {
        await using var connection = new SqliteConnection(_f.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        return string.Join("; ", lines);
    }

    private enum KillTimer
    {
        ProcessStart,
        BurstStart,
        FirstDecision,
    }

    /// <summary>What one run of the drill did, from its output.</summary>
    private sealed record RoundLog(
        int Round, bool Killed, TimeSpan Delay, KillTimer From, bool Ready, bool BurstDone, bool Drained,
        IReadOnlyList<(Guid Id, AccessRequestStatus Status, string Approver)> Decisions, int Conflicts, IReadOnlyList<string> Errors,
        TimeSpan? StartUp, TimeSpan? WarmUp)
    {
        public int Decided => Decisions.Count;

        public static RoundLog Of(int round, DrillProcess drill, bool killed, TimeSpan delay, KillTimer from)
        {
            var lines = drill.DrillLines;
            var decisions = lines.Where(l => l.Kind == DrillProtocol.Decided)
                .Select(l => (Guid.Parse(l.Fields[0]), Enum.Parse<AccessRequestStatus>(l.Fields[1]), l.Fields[2])).ToList();
            var errors = lines.Where(l => l.Kind == DrillProtocol.Error).Select(l => $"Round {round}: the drill reported {string.Join(' ', l.Fields)}").ToList();
            if (!killed && drill.ExitCode != 0)
                errors.Add($"Round {round}: the drill exited with code {drill.ExitCode} without being killed.\n{drill.Tail()}");
            return new RoundLog(round, killed, delay, from, drill.Said(DrillProtocol.Ready), drill.Said(DrillProtocol.BurstDone),
                drill.Said(DrillProtocol.Drained), decisions, lines.Count(l => l.Kind == DrillProtocol.Conflict), errors,
                drill.StartUp, drill.WarmUp);
        }

        public override string ToString() =>
            $"Round {Round,2}: {(Killed ? "killed" : "ended")} {Delay.TotalMilliseconds,5:0} ms after {Mark}, {Phase}; {Decided} decided, {Conflicts} conflicts" +
            $" (start-up {Seconds(StartUp)}, first decision {Seconds(WarmUp)} later)";

        private static string Seconds(TimeSpan? t) => t is { } x ? $"{x.TotalSeconds:0.0} s" : "-";

        private string Mark => From switch
        {
            KillTimer.ProcessStart => "process start",
            KillTimer.BurstStart => "burst start",
            _ => "first decision",
        };

        private string Phase =>
            Drained ? "outbox drained" : BurstDone ? "burst done, draining" : Decided > 0 ? "mid-burst" : Ready ? "before its first decision" : "in start-up";
    }
}
