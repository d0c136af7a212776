using Microsoft.Coyote.Specifications;
using CoyoteMonitor = Microsoft.Coyote.Specifications.Monitor;

namespace VerifiedIpc.Coyote.Tests.Harness;

/// <summary>
/// "Every sent message is eventually delivered (or handed back to someone)": scenario bodies report
/// <see cref="Sent"/> and <see cref="Accounted"/>; a Coyote specification monitor is hot while any message is
/// outstanding, so a run that ends (or, under a fair strategy, runs on past the liveness bound) with a message
/// neither delivered nor handed back is reported as a liveness bug. The facade keeps the scenarios free of Coyote types.
/// </summary>
public static class Eventually
{
    /// <summary>Message <paramref name="id"/> entered the system.</summary>
    public static void Sent(int id) => Specification.Monitor<DeliveryMonitor>(new DeliveryMonitor.SentEvent(id));

    /// <summary>Message <paramref name="id"/> left it: delivered, or handed back with an error.</summary>
    public static void Accounted(int id) => Specification.Monitor<DeliveryMonitor>(new DeliveryMonitor.AccountedEvent(id));

    internal static void Register() => Specification.RegisterMonitor<DeliveryMonitor>();
}

/// <summary>Hot while some message has been sent and not yet accounted for; cold otherwise.</summary>
internal sealed class DeliveryMonitor : CoyoteMonitor
{
    private readonly HashSet<int> _outstanding = [];

    internal sealed class SentEvent(int id) : Event
    {
        public int Id { get; } = id;
    }

    internal sealed class AccountedEvent(int id) : Event
    {
        public int Id { get; } = id;
    }

    [Start]
    [Cold]
    [OnEventDoAction(typeof(SentEvent), nameof(OnSent))]
    [OnEventDoAction(typeof(AccountedEvent), nameof(OnAccounted))]
    private sealed class NothingOutstanding : State;

    [Hot]
    [OnEventDoAction(typeof(SentEvent), nameof(OnSent))]
    [OnEventDoAction(typeof(AccountedEvent), nameof(OnAccounted))]
    private sealed class MessagesOutstanding : State;

    private void OnSent(Event e)
    {
        _outstanding.Add(((SentEvent)e).Id);
        RaiseGotoStateEvent<MessagesOutstanding>();
    }

    private void OnAccounted(Event e)
    {
        _outstanding.Remove(((AccountedEvent)e).Id);
        if (_outstanding.Count == 0)
        {
            RaiseGotoStateEvent<NothingOutstanding>();
        }
    }
}
