using Herd.Contracts.V1;
using Herd.Gateway.Admission;
using Herd.Gateway.Completions;
using Herd.Gateway.Queue;
using Herd.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace Herd.Tests.Gateway.Completions;

/// <summary>
/// A model's fallback (<c>Herd:Gateway:Fallbacks</c>) on the request path: the runner over the
/// real queue and relay, the node's part played. No node takes <see cref="RunnerTestBed.Model"/>
/// in these tests unless one says so; <see cref="RunnerTestBed.OtherModel"/> is the fallback.
/// </summary>
[Collection(WithServers.Name)]
public sealed class FallbackTests(ServersFixture servers)
{
    private static readonly FallbackOptions ToOtherModel = new()
    {
        Models = { [RunnerTestBed.Model] = new ModelFallback { Model = RunnerTestBed.OtherModel, After = TimeSpan.FromMilliseconds(200) } },
    };

    [Fact]
    public async Task Run_NoNodeTakesTheJobWithinAfter_MovesItToTheFallback_WhichServesTheSameStream()
    {
        await using var bed = await RunnerTestBed.CreateAsync(servers.Redis);
        var recorder = new RecordingUsageRecorder();
        var runner = bed.Runner(new OpenAdmission(), recorder, ToOtherModel);

        var running = RunnerTestBed.RunToEndAsync(runner, Request());
        var served = await bed.Node.ServeAsync(RunnerTestBed.OtherModel, promptTokens: 5, completionTokens: 2);
        var events = await running;
        await bed.Ends.DrainAsync();

        Assert.Equal(Assert.Single(recorder.Opened), served.JobId);
        Assert.Equal(RunnerTestBed.OtherModel, served.Model);
        Assert.Equal(RunnerTestBed.OtherModel, Assign.Parser.ParseFrom(served.Payload.Span).Model);
        Assert.Equal(["Hel", "lo"], events.Where(completionEvent => completionEvent.EventCase == CompletionEvent.EventOneofCase.Delta).Select(completionEvent => completionEvent.Delta.Text));
        Assert.Equal(2, events[^1].Done.Usage.CompletionTokens);
        Assert.Equal(0, await bed.Queue.DepthAsync(RunnerTestBed.Model));
    }

    [Fact]
    public async Task Run_TakenByANodeOfItsModel_StaysWithIt()
    {
        await using var bed = await RunnerTestBed.CreateAsync(servers.Redis);
        var runner = bed.Runner(new OpenAdmission(), new RecordingUsageRecorder(), ToOtherModel);

        var running = RunnerTestBed.RunToEndAsync(runner, Request());
        var served = await bed.Node.ServeAsync(RunnerTestBed.Model, promptTokens: 5, completionTokens: 2);
        var events = await running;
        await bed.Ends.DrainAsync();

        Assert.Equal(RunnerTestBed.Model, served.Model);
        Assert.Equal(CompletionEvent.EventOneofCase.Done, events[^1].EventCase);
        Assert.Equal(0, await bed.Queue.DepthAsync(RunnerTestBed.OtherModel));
    }

    [Fact]
    public async Task For_AJobWithAdaptersOrTextsToEmbed_IsNone()
    {
        await using var bed = await RunnerTestBed.CreateAsync(servers.Redis);
        var fallbacks = bed.Fallbacks(ToOtherModel);

        var withAdapters = fallbacks.For(Request(), new AdapterChoice { Named = new NamedAdapters { Adapters = { new WeightedAdapter { Name = "sql", Weight = 1 } } } });
        var embedding = fallbacks.For(new CompletionRequest { Model = RunnerTestBed.Model, Embed = new EmbedInput { Texts = { "a" } } }, null);
        var plain = fallbacks.For(Request(), null);

        Assert.Null(withAdapters);
        Assert.Null(embedding);
        Assert.Equal(RunnerTestBed.OtherModel, plain?.Model);
    }

    [Theory]
    [InlineData("herd-tiny", "00:00:01", "is herd-tiny itself")]
    [InlineData("", "00:00:01", "Model is empty")]
    [InlineData("remote", "00:00:00", "must be more than 0 and less than the queue's maximum wait")]
    [InlineData("remote", "00:00:30", "must be more than 0 and less than the queue's maximum wait")]
    public void Validation_RefusesAFallbackThatCannotWork_NamingTheKey(string model, string after, string expected)
    {
        var validation = new FallbackOptionsValidation(Options.Create(new QueueOptions { MaxWait = TimeSpan.FromSeconds(30) }));
        var options = new FallbackOptions { Models = { ["herd-tiny"] = new ModelFallback { Model = model, After = TimeSpan.Parse(after, System.Globalization.CultureInfo.InvariantCulture) } } };

        var result = validation.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Herd:Gateway:Fallbacks:herd-tiny", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_TakesAFallbackWithinTheMaxWait()
    {
        var validation = new FallbackOptionsValidation(Options.Create(new QueueOptions { MaxWait = TimeSpan.FromSeconds(30) }));

        Assert.True(validation.Validate(null, ToOtherModel).Succeeded);
    }

    private static CompletionRequest Request() => new()
    {
        Model = RunnerTestBed.Model,
        Prompt = "Hello",
        RequestId = "client-1",
        Sampling = new SamplingParams { MaxTokens = 16 },
    };
}
