using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Admission;

namespace Herd.Tests.Gateway.Admission;

/// <summary>The admission where access control is off: nothing is checked, nothing is held, nothing costs.</summary>
public sealed class OpenAdmissionTests
{
    private static readonly CompletionRequest Request = new()
    {
        Model = "herd-tiny",
        Prompt = "Hello",
        Priority = Role.HighestPriority,
        Sampling = new SamplingParams { MaxTokens = 16 },
    };

    [Fact]
    public async Task Begin_WithoutACaller_AdmitsAtOnce_OnAnyGroup_WithNoTickets()
    {
        var pending = new OpenAdmission().Begin(null, Request, contextLength: 2048, jobId: "job-1");

        Assert.True(pending.Result.IsCompletedSuccessfully);
        Assert.Empty(pending.NodeGroups);
        Assert.Empty(pending.Tickets);
        var admitted = await pending.Result;
        Assert.Same(AdmittedCompletion.Unchecked, admitted);
        Assert.Null(admitted.Reservation);
        Assert.Null(admitted.BudgetReservation);
    }

    [Fact]
    public async Task Begin_ACallerWhoseRoleForbidsEverything_IsStillAdmitted()
    {
        var role = new Role("nothing")
        {
            Models = NamePatterns.None,
            NodeGroups = NamePatterns.None,
            MaxPriority = 0,
            Limits = [new LimitRule(LimitKind.Requests, 1, TimeSpan.FromDays(1))],
            Budget = 0m,
        };
        var caller = new Caller("abcdefghijkl", "forbidden", role, HistoryOptOut: false, KeyBudget: 0m);
        var admission = new OpenAdmission();

        var first = admission.Begin(caller, Request, contextLength: 2048, jobId: "job-1");
        var second = admission.Begin(caller, Request, contextLength: 2048, jobId: "job-2");

        Assert.Same(AdmittedCompletion.Unchecked, await first.Result);
        Assert.Same(AdmittedCompletion.Unchecked, await second.Result);
        Assert.Empty(second.Tickets);
    }

    [Fact]
    public async Task FeeOf_IsZero_EvenForARequestANodeServed_AndSettlingChangesNothing()
    {
        var admission = new OpenAdmission();
        var admitted = AdmittedCompletion.Unchecked with { Model = "herd-tiny", Priority = Role.HighestPriority };

        var fee = admission.FeeOf(admitted, reachedNode: true, promptTokens: 1000, completionTokens: 1000);
        var settling = admission.SettleAsync(admitted, 1000, 1000, fee);

        Assert.Equal(0m, fee);
        Assert.True(settling.IsCompletedSuccessfully);
        await settling;
    }
}
