using System.Threading.Channels;
using Herd.Node.Engine;

namespace Herd.Tests.Node.Engine;

public sealed class SchedulerTests
{
    [Fact]
    public void Schedule_GivesDecodeTokensFirst_AndChunksALongPromptWithTheRest()
    {
        var scheduler = new Scheduler(maxSequences: 4, maxBatchedTokens: 10);
        var running = Decoding(scheduler, 3);
        var longPrompt = NewSequence(promptLength: 20);
        scheduler.Add(longPrompt);

        var step = scheduler.Schedule();

        Assert.Equal(running, step.Decode);
        var chunk = Assert.Single(step.Prefill);
        Assert.Equal((longPrompt, 0, 7), (chunk.Sequence, chunk.Start, chunk.Length));
        Assert.Equal(3, longPrompt.Slot);
    }

    [Fact]
    public void Schedule_StartsSeveralShortPromptsInOneStep_ButNothingBehindAPartialOne()
    {
        var scheduler = new Scheduler(maxSequences: 8, maxBatchedTokens: 10);
        var (a, b, c) = (NewSequence(3), NewSequence(9), NewSequence(2));
        scheduler.Add(a);
        scheduler.Add(b);
        scheduler.Add(c);

        var step = scheduler.Schedule();

        Assert.Equal([(a, 0, 3), (b, 0, 7)], step.Prefill.Select(chunk => (chunk.Sequence, chunk.Start, chunk.Length)));
        Assert.Equal(1, scheduler.WaitingCount);
    }

    [Fact]
    public void Remove_KeepsDecodingSequencesInTheLowestSlots_AndThePartialPromptLast()
    {
        var scheduler = new Scheduler(maxSequences: 8, maxBatchedTokens: 100);
        var decoding = Decoding(scheduler, 4);
        var partial = NewSequence(promptLength: 500);
        scheduler.Add(partial);
        scheduler.Schedule();
        partial.CachedTokens = 96;

        var moves = scheduler.Remove(decoding[1]);

        Assert.Equal([new SlotMove(3, 1, decoding[3].CachedTokens), new SlotMove(4, 3, 96)], moves);
        Assert.Equal([0, 1, 2, 3], new[] { decoding[0].Slot, decoding[3].Slot, decoding[2].Slot, partial.Slot });
        Assert.Equal(-1, decoding[1].Slot);
        Assert.Equal([decoding[0], decoding[3], decoding[2]], scheduler.Schedule().Decode);
    }

    [Fact]
    public void Remove_OfAWaitingSequence_MovesNothing()
    {
        var scheduler = new Scheduler(maxSequences: 1, maxBatchedTokens: 8);
        Decoding(scheduler, 1);
        var waiting = NewSequence(3);
        scheduler.Add(waiting);

        Assert.Empty(scheduler.Remove(waiting));
        Assert.Equal(0, scheduler.WaitingCount);
    }

    [Fact]
    public void Schedule_FillsWhatTheBudgetLeaves_WithTextsToEmbed_ShortestFirst_PaddedToTheLongest()
    {
        var scheduler = new Scheduler(maxSequences: 4, maxBatchedTokens: 20);
        Decoding(scheduler, 2);
        var job = NewEmbedding(5, 2, 7, 1);
        scheduler.Add(job);

        var first = scheduler.Schedule();
        var second = scheduler.Schedule();

        // 18 tokens left: texts of 1, 2 and 5 tokens padded to 5 take 15; with the 7 it would be 28.
        Assert.Equal([3, 1, 0], first.Embed.Select(text => text.Index));
        Assert.Equal([2], second.Embed.Select(text => text.Index));
        Assert.All(first.Embed.Concat(second.Embed), text => Assert.Same(job, text.Job));
        // Its texts are all handed out; it stays until the engine says it ended.
        Assert.Empty(scheduler.Schedule().Embed);
        Assert.Equal(1, scheduler.EmbeddingCount);
        scheduler.Remove(job);
        Assert.Equal(0, scheduler.EmbeddingCount);
    }

    [Fact]
    public void Schedule_RunsOneTextToEmbedWhenPromptsTookTheBudget_AndGivesItNoSlot()
    {
        var scheduler = new Scheduler(maxSequences: 1, maxBatchedTokens: 10);
        var prompt = NewSequence(promptLength: 30);
        scheduler.Add(prompt);
        var (longText, shortText) = (NewEmbedding(50), NewEmbedding(3));
        scheduler.Add(longText);
        scheduler.Add(shortText);

        var first = scheduler.Schedule();
        var second = scheduler.Schedule();

        Assert.Equal((prompt, 10), (Assert.Single(first.Prefill).Sequence, first.Prefill[0].Length));
        Assert.Same(longText, Assert.Single(first.Embed).Job);
        Assert.Same(shortText, Assert.Single(second.Embed).Job);
        Assert.Equal(1, scheduler.RunningCount);
        Assert.Equal(0, prompt.Slot);
    }

    private static EmbeddingJob NewEmbedding(params int[] lengths) =>
        new(new EmbeddingRequest(Guid.NewGuid().ToString("N"), [.. lengths.Select(length => Enumerable.Repeat(1, length).ToArray())]));

    private static List<Sequence> Decoding(Scheduler scheduler, int count)
    {
        var sequences = Enumerable.Range(0, count).Select(_ => NewSequence(promptLength: 2)).ToList();
        sequences.ForEach(scheduler.Add);
        scheduler.Schedule();
        foreach (var sequence in sequences)
        {
            sequence.CachedTokens = 2;
            sequence.Append(5);
        }

        return sequences;
    }

    private static Sequence NewSequence(int promptLength)
    {
        var request = new GenerationRequest(Guid.NewGuid().ToString("N"), [.. Enumerable.Repeat(1, promptLength)], new SamplingParameters { Temperature = 0 });
        return new Sequence(request, 8, new SamplingState(request.Sampling, request.PromptTokens),
            new OutputProcessor(new TokenIdDecoder(), []), Channel.CreateUnbounded<GenerationEvent>());
    }
}
