using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Herd.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace Herd.Tests.AppHost;

/// <summary>What the app host adds to Aspire's handling of the herd's processes: restarts after crashes, the Drain command, the new-key command.</summary>
[Collection(OneHerdAtATime.Name)]
public sealed class AppHostLifecycleTests : IDisposable
{
    private readonly AppHostState _state = new();

    [Fact]
    public async Task KilledNode_IsStartedAgain_LinksAgain_AndStopsWithTheHerd()
    {
        int restartedProgram;
        await using (var herd = await HerdAppHost.StartAsync(_state, ["--Herd:Nodes=1"]))
        {
            await herd.WaitForHealthyAsync("node");
            var node = Assert.Single(await herd.RunningAsync("node", 1));
            var killed = HerdProcesses.Program(HerdAppHost.ProcessId(node)!.Value);

            Posix.Signal(killed, Posix.SigKill);
            using var timeout = new CancellationTokenSource(HerdAppHost.StartTimeout);
            var restarted = await herd.Notifications.WaitForResourceAsync("node", update =>
                update.ResourceId == node.ResourceId
                && update.Snapshot.State?.Text == KnownResourceStates.Running
                && HerdAppHost.ProcessId(update) is { } processId && processId != HerdAppHost.ProcessId(node), timeout.Token);
            restartedProgram = HerdProcesses.Program(HerdAppHost.ProcessId(restarted)!.Value);
            var linkedAgain = await herd.WaitForNodesAsync(1);

            Assert.NotEqual(killed, restartedProgram);
            Assert.Equal(node.ResourceId, Assert.Single(linkedAgain).NodeId);
        }

        Assert.False(Directory.Exists($"/proc/{restartedProgram}"), "the restarted node outlived the herd");
    }

    [Fact]
    public async Task DrainCommand_StopsTheNodeOnceItsJobsAreDone_AndItStaysStopped_AsDoesOneStoppedWithAspiresStop()
    {
        await using var herd = await HerdAppHost.StartAsync(_state, ["--Herd:Nodes=2"]);
        await herd.WaitForHealthyAsync("node");
        await herd.WaitForNodesAsync(2);
        var running = await herd.RunningAsync("node", 2);
        var (drained, stopped) = (running[0], running[1]);
        var commands = herd.App.Services.GetRequiredService<ResourceCommandService>();

        var result = await commands.ExecuteCommandAsync(drained.ResourceId, "drain");
        var nodes = await herd.WaitForNodesAsync(listed => listed.All(node => node.NodeId != drained.ResourceId));
        var stop = await commands.ExecuteCommandAsync(stopped.ResourceId, KnownResourceCommands.StopCommand);
        // Long enough for a restart after a crash (the first comes after 1 s).
        await Task.Delay(TimeSpan.FromSeconds(5));
        var state = StateOf(herd, drained);
        var stoppedState = StateOf(herd, stopped);

        Assert.True(result.Success, result.Message);
        Assert.Contains("finished its jobs and stopped", result.Message, StringComparison.Ordinal);
        Assert.Equal(KnownResourceStates.Finished, state);
        Assert.DoesNotContain(drained.ResourceId, nodes.Select(node => node.NodeId));
        Assert.Single(nodes);
        Assert.True(stop.Success, stop.Message);
        Assert.Contains(stoppedState, KnownResourceStates.TerminalStates);
    }

    [Fact]
    public async Task NewApiKeyCommand_CreatesAKeyOfTheRoleAsked_ThatTheGatewayTakes()
    {
        await using var herd = await HerdAppHost.StartAsync(_state, ["--Herd:Nodes=0"]);
        await herd.WaitForHealthyAsync("gateway");
        await _state.AdminKeyAsync(HerdAppHost.StartTimeout);
        var commands = herd.App.Services.GetRequiredService<ResourceCommandService>();

        var created = await commands.ExecuteCommandAsync("gateway", "new-api-key", Inputs(("name", "the reporting team"), ("role", "user")));
        var unknownRole = await commands.ExecuteCommandAsync("gateway", "new-api-key", Inputs(("name", "someone"), ("role", "no-such-role")));
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(herd.GatewayGrpc);
        var account = await new Contracts.V1.Account.AccountClient(channel).GetAccountAsync(new Contracts.V1.GetAccountRequest(), HerdAppHost.Authorization(created.Data!.Value));

        Assert.True(created.Success, created.Message);
        Assert.StartsWith("herd_", created.Data.Value, StringComparison.Ordinal);
        Assert.Contains("the reporting team", created.Message, StringComparison.Ordinal);
        Assert.Equal("user", account.Role);
        Assert.False(unknownRole.Success);
        Assert.Contains("no-such-role", unknownRole.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _state.Dispose();

    private static string? StateOf(HerdAppHost herd, ResourceEvent instance) =>
        herd.Notifications.TryGetCurrentState(instance.ResourceId, out var current) ? current.Snapshot.State?.Text : null;

    private static InteractionInputCollection Inputs(params (string Name, string Value)[] values) =>
        new([.. values.Select(value => new InteractionInput { Name = value.Name, InputType = InputType.Text, Value = value.Value })]);
}
