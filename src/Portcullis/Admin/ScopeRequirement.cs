using Microsoft.AspNetCore.Authorization;
using Portcullis.Core.Security;

namespace Portcullis.Admin;

/// <summary>The admin token must hold <see cref="Scope"/>.</summary>
internal sealed class ScopeRequirement(string scope) : AuthorizationHandler<ScopeRequirement>, IAuthorizationRequirement
{
    public string Scope => scope;

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (CallerIdentities.From(context.User).Scopes.Contains(requirement.Scope))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
