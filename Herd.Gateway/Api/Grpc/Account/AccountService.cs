using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Admission.Fees;
using Herd.Gateway.Admission.Limits;

namespace Herd.Gateway.Api.Grpc.Account;

/// <summary><c>herd.v1.Account</c>: what the calling key may do and spend, as it stands now.</summary>
public sealed class AccountService(UsageLimiter limiter, PriceTable prices, BudgetKeeper budgets) : Contracts.V1.Account.AccountBase
{
    public override async Task<AccountInfo> GetAccount(GetAccountRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.RequireCaller();
        var role = caller.Role;
        var limits = await limiter.StatusAsync(caller.KeyId, role.Limits).ConfigureAwait(false);
        var info = AccountMessages.Info(caller, limits, prices.Current);
        if (caller.Budget is { } budget)
        {
            decimal spent;
            try
            {
                spent = await budgets.SpentAsync(caller.KeyId, context.CancellationToken).ConfigureAwait(false);
            }
            catch (LedgerUnreachableException exception)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, exception.Message));
            }

            AccountMessages.AddBudget(info, budget, spent);
        }

        return info;
    }
}
