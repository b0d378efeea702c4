using System.Security.Claims;
using LockboxPortal.Application.Security;
using LockboxPortal.Infrastructure.Demo;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Tests.Security;

public sealed class PortalClaimsMapperTests
{
    private static readonly PortalClaimsMapper Mapper = new(new StaticOptions(new SupportOrganizationsOptions
    {
        Organizations = [new SupportOrganization { Name = "Microsoft", TenantId = DemoPersonas.MicrosoftTenant }],
    }));

    [Fact]
    public void Global_administrator_comes_from_the_wids_claim()
    {
        var u = Mapper.Map(DemoPersonas.Principal(DemoPersonas.Carol))!;
        Assert.True(u.IsGlobalAdministrator);
        Assert.True(u.IsApprover);
        Assert.True(u.IsTenantAdministrator);
        Assert.Equal(PortalUserKind.Customer, u.Kind);
    }

    [Fact]
    public void The_approver_app_role_makes_an_approver_but_not_an_administrator()
    {
        var u = Mapper.Map(DemoPersonas.Principal(DemoPersonas.Adam))!;
        Assert.True(u.IsApprover);
        Assert.False(u.IsTenantAdministrator);
    }

    [Fact]
    public void An_engineer_needs_both_the_role_and_a_support_organizations_tenant()
    {
        var mia = Mapper.Map(DemoPersonas.Principal(DemoPersonas.Mia))!;
        Assert.True(mia.IsEngineer);
        Assert.Equal("Microsoft", mia.SupportOrganization);

        var customerWithRole = Principal(("tid", DemoPersonas.ContosoTenant.ToString()), ("oid", Guid.NewGuid().ToString()), ("roles", AppRoles.Engineer));
        Assert.False(Mapper.Map(customerWithRole)!.IsEngineer);

        var staffWithoutRole = Principal(("tid", DemoPersonas.MicrosoftTenant.ToString()), ("oid", Guid.NewGuid().ToString()));
        var staff = Mapper.Map(staffWithoutRole)!;
        Assert.Equal(PortalUserKind.SupportStaffWithoutRole, staff.Kind);
        Assert.False(staff.IsApprover);
    }

    [Fact]
    public void Long_form_claim_types_from_inbound_mapping_are_understood()
    {
        var p = Principal((PortalClaimTypes.TenantIdLong, DemoPersonas.ContosoTenant.ToString()), (PortalClaimTypes.ObjectIdLong, Guid.NewGuid().ToString()),
            (ClaimTypes.Role, AppRoles.Approver), ("name", "Long Form"));
        var u = Mapper.Map(p)!;
        Assert.True(u.HasApproverRole);
        Assert.Equal(DemoPersonas.ContosoTenant, u.TenantId);
    }

    [Fact]
    public void A_display_name_longer_than_the_portal_keeps_is_cut_and_kept_on_one_line()
    {
        var id = (PortalClaimTypes.TenantIdLong, DemoPersonas.ContosoTenant.ToString());
        var oid = (PortalClaimTypes.ObjectIdLong, Guid.NewGuid().ToString());
        var longName = new string('N', 256); // Entra ID's limit for a display name
        Assert.Equal(new string('N', PortalUser.NameMaxLength - 1) + "…", Mapper.Map(Principal(id, oid, ("name", longName)))!.Name);
        Assert.Equal(new string('N', PortalUser.NameMaxLength), Mapper.Map(Principal(id, oid, ("name", new string('N', 200))))!.Name);
        Assert.Equal("Two\\nLines", Mapper.Map(Principal(id, oid, ("name", "Two\nLines")))!.Name);
    }

    [Fact]
    public void A_principal_without_tenant_or_object_id_maps_to_nobody()
    {
        Assert.Null(Mapper.Map(Principal(("name", "No Ids"))));
        Assert.Null(Mapper.Map(Principal(("tid", "not-a-guid"), ("oid", Guid.NewGuid().ToString()))));
        Assert.Null(Mapper.Map(new ClaimsPrincipal(new ClaimsIdentity())));
    }

    private static ClaimsPrincipal Principal(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "test"));

    private sealed class StaticOptions(SupportOrganizationsOptions value) : IOptionsMonitor<SupportOrganizationsOptions>
    {
        public SupportOrganizationsOptions CurrentValue => value;
        public SupportOrganizationsOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<SupportOrganizationsOptions, string?> listener) => null;
    }
}
