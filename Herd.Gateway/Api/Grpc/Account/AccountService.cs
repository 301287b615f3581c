using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Admission.Fees;
using Herd.Gateway.Admission.Limits;

namespace Herd.Gateway.Api.Grpc.Account;

/// <summary><c>herd.v1.Account</c>: what the calling key may do and spend, as it stands now, and its history opt-out.</summary>
public sealed class AccountService(UsageLimiter limiter, PriceTable prices, BudgetKeeper budgets, HistoryOptOut historyOptOut) : Contracts.V1.Account.AccountBase
{
    public override Task<AccountInfo> GetAccount(GetAccountRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return InfoAsync(context.RequireCaller(), context.CancellationToken);
    }

    public override async Task<AccountInfo> SetHistoryOptOut(SetHistoryOptOutRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.RequireCaller();
        if (!await historyOptOut.SetAsync(caller.KeyId, request.HistoryOptOut, context.CancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"Key {caller.KeyId} passed the key check but is not in the ledger; keys are never deleted.");
        }

        return await InfoAsync(caller with { HistoryOptOut = request.HistoryOptOut }, context.CancellationToken).ConfigureAwait(false);
    }

    private async Task<AccountInfo> InfoAsync(Caller caller, CancellationToken cancellationToken)
    {
        var limits = await limiter.StatusAsync(caller.KeyId, caller.Role.Limits).ConfigureAwait(false);
        var info = AccountMessages.Info(caller, limits, prices.Current);
        if (caller.Budget is { } budget)
        {
            decimal spent;
            try
            {
                spent = await budgets.SpentAsync(caller.KeyId, cancellationToken).ConfigureAwait(false);
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
