using FluentValidation;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.ServicePrincipals;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Application.ServicePrincipals;

/// <summary>
/// Service principals of the caller's tenant: Global Administrators only, every call. A new secret is
/// returned once and then only its key id, hint and end date remain (and, for the embedded directory, a hash).
/// </summary>
public sealed class ServicePrincipalService(
    ILockboxDbContextFactory dbFactory,
    ICurrentUser currentUser,
    TimeProvider time,
    AuditWriter audit,
    IDirectoryProvisioner directory,
    IValidator<CreateServicePrincipalCommand> createValidator,
    IValidator<RotateCredentialCommand> rotateValidator,
    IOptions<ServicePrincipalOptions> options,
    ILogger<ServicePrincipalService> log)
{
    public ServicePrincipalOptions Options => options.Value;
    public DirectoryProvisionerKind Directory => directory.Kind;

    public async Task<ServicePrincipalSecret> CreateAsync(CreateServicePrincipalCommand cmd, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await createValidator.ValidateOrThrowAsync(cmd, ct);
        var subscription = cmd.SubscriptionId.Trim().ToLowerInvariant();
        var displayName = cmd.DisplayName.Trim();
        var now = time.GetUtcNow();
        var endsAt = cmd.Lifetime.EndFrom(now);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.HasServicePrincipalNamedAsync(user.TenantId, displayName, ct)) throw ExistingName(displayName);
        var knownGroup = await db.FindResourceGroupAsync(user.TenantId, subscription, cmd.ResourceGroupName.Trim(), ct);
        // A group the portal knows keeps the name it was made with; Azure takes the name in any case as the same group.
        var groupName = knownGroup?.Name ?? cmd.ResourceGroupName.Trim();
        var scopes = cmd.AllScopes.Select(s => s == cmd.Scope ? ServicePrincipalScopes.ResourceGroup(subscription, groupName) : s).ToList();
        var location = cmd.ResourceGroupMode == ResourceGroupMode.New ? AzureRegions.Find(cmd.Location)!.Name : knownGroup?.Location ?? "";
        // A new group may not move a known one: Azure keeps a group where it was made.
        void RefuseAnotherLocation(ResourceGroup? known)
        {
            if (cmd.ResourceGroupMode == ResourceGroupMode.New && known is not null && known.Location != location)
                throw new InputValidationException(nameof(cmd.Location),
                    $"Resource group '{known.Name}' already exists in {known.Location}; choose that location or 'Use an existing resource group'.");
        }
        RefuseAnotherLocation(knownGroup);

        await directory.EnsureResourceGroupAsync(user.TenantId, subscription, groupName, location, cmd.ResourceGroupMode == ResourceGroupMode.Existing, ct);
        if (await directory.ApplicationExistsAsync(user.TenantId, displayName, ct))
            throw ExistingName(displayName);

        var app = await directory.CreateApplicationAsync(user.TenantId, displayName, ct);
        ProvisionedCredential credential;
        try
        {
            credential = await directory.AddPasswordAsync(user.TenantId, app.ApplicationObjectId, endsAt, ct);
            foreach (var scope in scopes)
                await directory.AssignContributorAsync(user.TenantId, scope, app.PrincipalObjectId, ct);
        }
        catch (Exception ex)
        {
            // Whatever stopped us, cancellation included: an application left behind would hold the name and a role.
            await UndoAsync(user.TenantId, app, scopes, ex);
            throw;
        }

        var principal = new ServicePrincipal
        {
            Id = RowIds.New(),
            TenantId = user.TenantId,
            DisplayName = displayName,
            AppId = app.AppId,
            ApplicationObjectId = app.ApplicationObjectId,
            PrincipalObjectId = app.PrincipalObjectId,
            SubscriptionId = subscription,
            ResourceGroupName = groupName,
            Role = AzureRoles.Contributor,
            Scopes = string.Join('\n', scopes),
            Directory = directory.Kind.ToString(),
            CreatedAt = now,
            CreatedByOid = user.Oid,
            CreatedByName = user.Name,
            Credentials = [ToEntity(credential)],
        };
        // The checks above ran before the directory's calls; another creation may have recorded the name or the group
        // since. So they run again in the transaction that records this one: on SQLite, where write transactions
        // take turns, nothing can come in between; on SQL Server a unique index refuses what came in between, and
        // the record is tried once more, to find it.
        Task<int> RecordAsync() => db.InTransactionAsync(async token =>
            {
                if (await db.HasServicePrincipalNamedAsync(user.TenantId, displayName, token)) throw ExistingName(displayName);
                if (cmd.ResourceGroupMode == ResourceGroupMode.New)
                {
                    var recorded = await db.FindResourceGroupAsync(user.TenantId, subscription, groupName, token);
                    RefuseAnotherLocation(recorded);
                    if (recorded is null)
                    {
                        db.ResourceGroups.Add(new ResourceGroup
                        {
                            Id = RowIds.New(), TenantId = user.TenantId, SubscriptionId = subscription, Name = groupName,
                            Location = location, CreatedAt = now, CreatedByName = user.Name,
                        });
                    }
                    else
                    {
                        // Made meanwhile under another case: the principal names the group as it was recorded.
                        principal.ResourceGroupName = recorded.Name;
                        var asMade = ServicePrincipalScopes.ResourceGroup(subscription, groupName);
                        principal.Scopes = string.Join('\n', scopes.Select(scope =>
                            scope == asMade ? ServicePrincipalScopes.ResourceGroup(subscription, recorded.Name) : scope));
                    }
                }
                db.ServicePrincipals.Add(principal);
                await audit.AppendAsync(db, new AuditRecord(AuditActions.ServicePrincipalCreated, $"service-principal/{principal.AppId}",
                    user.Name, user.Oid, user.TenantId, new Dictionary<string, object?>
                    {
                        ["appId"] = principal.AppId,
                        ["displayName"] = displayName,
                        ["role"] = principal.Role,
                        ["scopes"] = principal.ScopeList,
                        ["directory"] = principal.Directory,
                        ["keyId"] = credential.KeyId,
                        ["hint"] = credential.Hint,
                        ["endDateTime"] = credential.EndsAt.UtcDateTime.ToString("O"),
                    }), token);
                return 0;
            }, ct);
        try
        {
            try
            {
                await RecordAsync();
            }
            catch (DbUpdateException update) when (db.IsUniqueConstraintViolation(update))
            {
                await RecordAsync();
            }
        }
        catch (Exception ex)
        {
            await UndoAsync(user.TenantId, app, scopes, ex);
            // Only the unique index on the name means another creation won the race; anything else is what it is.
            if (ex is DbUpdateException update && db.IsUniqueConstraintViolation(update)) throw ExistingName(displayName);
            throw;
        }

        log.LogInformation("Service principal {AppId} ({Scopes}) created with credential {KeyId} ending {EndsAt:O}",
            principal.AppId, scopes.Count, credential.KeyId, credential.EndsAt);
        return ToSecret(principal, credential, user.TenantId);
    }

    public async Task<PagedResult<ServicePrincipalDto>> ListAsync(ServicePrincipalListQuery query, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        var pageSize = Math.Clamp(query.PageSize, 1, 100);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var mine = db.ServicePrincipals.AsNoTracking().Where(p => p.TenantId == user.TenantId);
        var total = await mine.CountAsync(ct);
        var page = await mine
            .OrderBy(p => p.DisplayName).ThenBy(p => p.Id)
            .Skip(Math.Max(0, query.Page) * pageSize).Take(pageSize)
            .Include(p => p.Credentials)
            .AsSplitQuery()
            .ToListAsync(ct);
        var now = time.GetUtcNow();
        return new PagedResult<ServicePrincipalDto>(page.Select(p => ToDto(p, now)).ToList(), total);
    }

    public async Task<ServicePrincipalDto> GetAsync(Guid id, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var p = await LoadAsync(db, user, id, tracked: false, ct);
        return ToDto(p, time.GetUtcNow());
    }

    /// <summary>Resource groups the portal knows in a subscription of the caller's tenant, for "use an existing one".</summary>
    public async Task<IReadOnlyList<ResourceGroupDto>> ListResourceGroupsAsync(string subscriptionId, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        if (!AzureNames.IsSubscriptionId(subscriptionId)) return [];
        var subscription = subscriptionId.Trim().ToLowerInvariant();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ResourceGroups.AsNoTracking()
            .Where(g => g.TenantId == user.TenantId && g.SubscriptionId == subscription)
            .OrderBy(g => g.Name)
            .Select(g => new ResourceGroupDto(g.SubscriptionId, g.Name, g.Location))
            .ToListAsync(ct);
    }

    /// <summary>
    /// A new password, shown once. Replace (the default) removes the old passwords after the new one exists;
    /// append keeps them so a running cluster can switch over before the old one is removed.
    /// </summary>
    public async Task<ServicePrincipalSecret> RotateAsync(Guid id, RotateCredentialCommand cmd, Guid expectedVersion, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await rotateValidator.ValidateOrThrowAsync(cmd, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var principal = await LoadAsync(db, user, id, tracked: false, ct);
        if (principal.Version != expectedVersion)
            throw new ConflictException($"'{principal.DisplayName}' was changed since you opened it; reload the list and try again.");

        var now = time.GetUtcNow();
        var credential = await directory.AddPasswordAsync(user.TenantId, principal.ApplicationObjectId, cmd.Lifetime.EndFrom(now), ct);
        var removed = new List<ServicePrincipalCredential>();
        string? warning = null;
        if (!cmd.Append)
        {
            foreach (var old in principal.Credentials.ToList())
            {
                try
                {
                    await directory.RemovePasswordAsync(user.TenantId, principal.ApplicationObjectId, old.KeyId, ct);
                    removed.Add(old);
                }
                catch (Exception ex) when (ex is ProvisioningException or ConflictException)
                {
                    // The new secret exists and is about to be shown; losing it over a failed clean-up would be worse.
                    warning = $"The new secret works, but the old credential {old.Hint}… could not be removed: {ex.Message} " +
                              "Rotate again with Replace later, or remove it in the Entra admin center.";
                    break;
                }
            }
        }

        try
        {
            await db.InTransactionAsync(async token =>
            {
                // Loaded again inside the transaction: every attempt of it works on what the database holds now.
                var current = await LoadAsync(db, user, id, tracked: true, token);
                if (current.Version != principal.Version) throw new DbUpdateConcurrencyException("The service principal changed during the rotation.");
                var gone = current.Credentials.Where(c => removed.Any(r => r.KeyId == c.KeyId)).ToList();
                foreach (var old in gone) current.Credentials.Remove(old);
                db.ServicePrincipalCredentials.RemoveRange(gone);
                var entity = ToEntity(credential);
                entity.ServicePrincipalId = current.Id;
                db.ServicePrincipalCredentials.Add(entity);
                current.Version = Guid.NewGuid();
                await audit.AppendAsync(db, new AuditRecord(AuditActions.ServicePrincipalRotated, $"service-principal/{principal.AppId}",
                    user.Name, user.Oid, user.TenantId, new Dictionary<string, object?>
                    {
                        ["appId"] = principal.AppId,
                        ["append"] = cmd.Append,
                        ["keyId"] = credential.KeyId,
                        ["hint"] = credential.Hint,
                        ["endDateTime"] = credential.EndsAt.UtcDateTime.ToString("O"),
                        ["removedKeyIds"] = removed.Select(r => r.KeyId).ToList(),
                    }), token);
                return 0;
            }, ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConflictException($"'{principal.DisplayName}' was changed while you rotated it; reload the list to see its credentials.");
        }

        log.LogInformation("Service principal {AppId}: credential {KeyId} added (append {Append}), {Removed} removed",
            principal.AppId, credential.KeyId, cmd.Append, removed.Count);
        return ToSecret(principal, credential, user.TenantId) with { Warning = warning };
    }

    /// <summary>Deletes the role assignments and the application; the resource group stays (it may hold a cluster).</summary>
    public async Task DeleteAsync(Guid id, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var principal = await LoadAsync(db, user, id, tracked: false, ct);
        await directory.DeleteApplicationAsync(user.TenantId, principal.ApplicationObjectId, principal.PrincipalObjectId, principal.ScopeList, ct);
        await db.InTransactionAsync(async token =>
        {
            db.ServicePrincipals.Remove(await LoadAsync(db, user, id, tracked: true, token));
            await audit.AppendAsync(db, new AuditRecord(AuditActions.ServicePrincipalDeleted, $"service-principal/{principal.AppId}",
                user.Name, user.Oid, user.TenantId, new Dictionary<string, object?>
                {
                    ["appId"] = principal.AppId,
                    ["displayName"] = principal.DisplayName,
                    ["keyIds"] = principal.Credentials.Select(c => c.KeyId).ToList(),
                }), token);
            return 0;
        }, ct);
        log.LogInformation("Service principal {AppId} deleted", principal.AppId);
    }

    private static async Task<ServicePrincipal> LoadAsync(ILockboxDbContext db, PortalUser user, Guid id, bool tracked, CancellationToken ct)
    {
        var query = db.ServicePrincipals.Include(p => p.Credentials).Where(p => p.Id == id && p.TenantId == user.TenantId);
        if (!tracked) query = query.AsNoTracking();
        return await query.SingleOrDefaultAsync(ct)
               ?? throw new NotFoundException("No such service principal in your tenant; it may have been deleted. Reload the list.");
    }

    private static ConflictException ExistingName(string displayName) => new(
        $"A service principal named '{LogText.Neutralise(displayName, 120)}' already exists. The portal does not reuse the name, because " +
        "that would reset its secrets and break whatever signs in with them. Choose another name, or rotate the existing one's " +
        "credential from the service principals list (Append keeps its current secret).");

    /// <summary>Best effort: leave nothing half-made in the directory when a later step failed.</summary>
    private async Task UndoAsync(Guid tenantId, ProvisionedApplication app, IReadOnlyList<string> scopes, Exception cause)
    {
        try
        {
            await directory.DeleteApplicationAsync(tenantId, app.ApplicationObjectId, app.PrincipalObjectId, scopes, CancellationToken.None);
        }
        catch (Exception ex)
        {
            log.LogWarning("Could not remove application {AppId} after a failed creation ({Cause}): {Error}",
                app.AppId, cause.GetType().Name, ex.Message);
        }
    }

    private static ServicePrincipalCredential ToEntity(ProvisionedCredential c) => new()
    {
        KeyId = c.KeyId,
        Hint = c.Hint,
        StartsAt = c.StartsAt,
        EndsAt = c.EndsAt,
        SecretHash = c.VerifierHash,
    };

    private static ServicePrincipalSecret ToSecret(ServicePrincipal p, ProvisionedCredential c, Guid tenantId) =>
        new(p.AppId.ToString(), p.DisplayName, p.AppId.ToString(), c.SecretText, tenantId.ToString(), c.KeyId, c.Hint, c.EndsAt);

    private ServicePrincipalDto ToDto(ServicePrincipal p, DateTimeOffset now)
    {
        var credentials = p.Credentials.OrderBy(c => c.EndsAt)
            .Select(c => new CredentialDto(c.KeyId, c.Hint, c.StartsAt, c.EndsAt)).ToList();
        // The principal keeps working until its last credential ends, so that is the date to warn about.
        DateTimeOffset? endsAt = credentials.Count == 0 ? null : credentials.Max(c => c.EndsAt);
        int? days = endsAt is { } e ? ExpiresInDays(e, now) : null;
        var expired = endsAt is null || endsAt <= now;
        return new ServicePrincipalDto(p.Id, p.DisplayName, p.AppId, p.Role, p.ScopeList, p.Directory, p.CreatedAt, p.CreatedByName,
            credentials, endsAt, days, !expired && days <= options.Value.ExpiryWarningDays, expired, p.Version);
    }

    /// <summary>Whole days left, rounded down: a credential ending in 30.5 days "expires in 30 days".</summary>
    public static int ExpiresInDays(DateTimeOffset endsAt, DateTimeOffset now) => (int)Math.Floor((endsAt - now).TotalDays);
}
