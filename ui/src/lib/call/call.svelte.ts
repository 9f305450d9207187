// The call as the page shows it: server profiles, the call itself (slots, who talks,
// statistics, reconnects) and its media. It lives outside the page, so a call goes on, and
// keeps sounding, while another page is shown.

import { apiError } from "../mail/api";
import {
  callApi,
  subscribe,
  subscribeMedia,
  type CallEnd,
  type CallProfile,
  type CallUpdate,
  type JoinForm,
  type ReconnectCause,
  type RosterEntry,
  type StreamStats,
  type TileSize,
} from "./api";
import type { Sound } from "./audio";
import { Media } from "./media";
import { DEFAULT_TILES, EMPTY_PLAN, planTiles, type Plan, type Slot } from "./tiles";

/** How often frame counts and the main tile's hold are looked at again. */
const TICK_MS = 250;

class CallState {
  profiles = $state.raw<CallProfile[]>([]);
  loaded = $state(false);
  busy = $state(false);
  inCall = $state(false);
  room = $state("");
  reconnecting = $state<ReconnectCause | null>(null);
  ended = $state<CallEnd | null>(null);
  error = $state<string | null>(null);
  /** Something the call survives: a warning of the core, or media this webview cannot play. */
  warning = $state<string | null>(null);
  /** The newest event of the WebRTC connections (up, slow link, hangup). */
  link = $state<string | null>(null);
  slots = $state.raw<Slot[]>([]);
  streams = $state.raw<StreamStats[]>([]);
  members = $state<number | null>(null);
  /** Goes up whenever the roster may have changed. */
  rosterRevision = $state(0);
  pinned = $state<string | null>(null);
  plan = $state.raw<Plan>(EMPTY_PLAN);
  frames = $state.raw<Record<string, number>>({});
  names = $state.raw<Record<string, string>>({});
  /** The audio context waits for a click (the call was joined without one). */
  soundWaiting = $state(false);
  /** Seconds of call sound played so far and its level now (RMS of the mix, 0 to 1). */
  sound = $state<Sound>({ played: 0, level: 0 });
  /** Media messages and bytes the page received (the IPC's load). */
  received = $state({ messages: 0, bytes: 0 });

  private talking: string[] = [];
  private activeSpeaker: string | null = null;
  private tiles = DEFAULT_TILES;
  private media: Media | null = null;
  private hosts = new Map<string, HTMLElement>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private subscribed = false;
  private visible = false;
  private page: string[] = [];
  private sentView = "";
  /** The size last sent for each mid. */
  private sizes: Record<string, TileSize> = {};

  /** Starts following the core's call updates and media, once per window. */
  init(): void {
    if (this.subscribed) return;
    this.subscribed = true;
    subscribe((u) => this.onUpdate(u)).catch((e) => (this.error = apiError(e).message));
    subscribeMedia((chunk) => this.media?.push(chunk)).catch((e) => (this.error = apiError(e).message));
    void this.loadProfiles();
  }

  async loadProfiles() {
    try {
      this.profiles = await callApi.profiles();
    } catch (e) {
      this.error = apiError(e).message;
    } finally {
      this.loaded = true;
    }
  }

  async saveProfile(profile: CallProfile): Promise<boolean> {
    try {
      this.profiles = await callApi.saveProfile(profile);
      this.error = null;
      return true;
    } catch (e) {
      this.error = apiError(e).message;
      return false;
    }
  }

  async deleteProfile(name: string) {
    try {
      this.profiles = await callApi.deleteProfile(name);
    } catch (e) {
      this.error = apiError(e).message;
    }
  }

  /** Joins; call it straight from the click, before anything is awaited, so sound may start. */
  async join(form: JoinForm) {
    this.tiles = this.profiles.find((p) => p.name === form.profile)?.slots ?? DEFAULT_TILES;
    this.busy = true;
    this.error = null;
    this.ended = null;
    try {
      this.startMedia().start();
      const info = await callApi.join(form);
      this.inCall = true;
      this.room = info.room;
    } catch (e) {
      this.error = apiError(e).message;
      if (!this.inCall) this.stopMedia();
    } finally {
      this.busy = false;
    }
  }

  async leave() {
    // Decoders and sound stop at once, whatever the core answers.
    this.stopMedia();
    this.busy = true;
    try {
      await callApi.leave();
    } catch (e) {
      this.error = apiError(e).message;
    } finally {
      this.busy = false;
    }
    if (this.inCall) this.finish({ kind: "left" });
  }

  /** Keeps `feed` on the main tile; null lets the speaker have it again. */
  async pin(feed: string | null) {
    const before = this.pinned;
    this.pinned = feed;
    this.replan();
    try {
      await callApi.pin(feed === null ? [] : [feed]);
    } catch (e) {
      this.pinned = before;
      this.replan();
      this.error = apiError(e).message;
    }
  }

  enableSound() {
    this.media?.start();
    this.soundWaiting = false;
  }

  /** The element a tile shows `mid` in; returns the detach function. */
  attach(mid: string, host: HTMLElement): () => void {
    this.hosts.set(mid, host);
    this.media?.attach(mid, host);
    return () => {
      if (this.hosts.get(mid) === host) this.hosts.delete(mid);
    };
  }

  /** Whether the call page is on screen: tiles of a page not shown are not sent at all. */
  setVisible(visible: boolean) {
    this.visible = visible;
    this.sendView();
  }

  /** The feeds on the roster page in view, which get free tiles first. */
  setPage(members: RosterEntry[]) {
    this.page = members.filter((m) => m.publisher).map((m) => m.id);
    this.learnNames(members);
    this.sendView();
  }

  nameOf(feed: string | null): string {
    return feed === null ? "" : (this.names[feed] ?? feed);
  }

  private learnNames(known: { id?: string | null; display?: string | null }[]) {
    const fresh = known.flatMap(({ id, display }) => (id && display && this.names[id] !== display ? [[id, display]] : []));
    if (fresh.length > 0) this.names = { ...this.names, ...Object.fromEntries(fresh) };
  }

  private onUpdate(u: CallUpdate) {
    switch (u.type) {
      case "joined":
        this.inCall = true;
        this.room = u.room;
        this.reconnecting = null;
        this.ended = null;
        if (this.media) {
          this.media.restartAll();
        } else {
          this.startMedia().start();
        }
        // A new session knows nothing of the old view.
        this.sentView = "";
        this.rosterRevision++;
        break;
      case "slots":
        this.setSlots(u.slots, u.mids);
        break;
      case "talking":
        this.talking = this.talking.filter((f) => f !== u.feed);
        if (u.talking) this.talking.push(u.feed);
        this.replan();
        break;
      case "activeSpeaker":
        this.activeSpeaker = u.feed;
        this.replan();
        break;
      case "roster":
        this.members = u.members;
        this.talking = this.talking.filter((f) => !u.left.includes(f));
        this.rosterRevision++;
        break;
      case "stats":
        this.streams = u.streams;
        this.learnNames(u.streams.map((s) => ({ id: s.feed, display: s.display })));
        break;
      case "reconnecting":
        this.reconnecting = u.reason;
        // The connection it named is gone; the next webrtcUp says when one is back.
        this.link = null;
        break;
      case "resynced":
        this.reconnecting = null;
        this.rosterRevision++;
        break;
      case "warning":
        this.warning = u.message;
        break;
      case "ended":
        this.finish(u.reason);
        break;
      case "webrtcUp":
        this.link = `The ${u.leg} connection is up.`;
        break;
      case "media":
        this.link = `${u.kind} ${u.receiving ? "arrives" : "stopped arriving"} on the ${u.leg} connection${u.mid ? ` (${u.mid})` : ""}.`;
        break;
      case "slowLink":
        this.link = `Slow ${u.uplink ? "uplink" : "downlink"} on the ${u.leg} connection${u.lost ? `: ${u.lost} packets lost` : ""}.`;
        break;
      case "hangup":
        this.link = `The ${u.leg} connection hung up${u.reason ? `: ${u.reason}` : ""}.`;
        break;
    }
  }

  private setSlots(feeds: (string | null)[], mids: string[]) {
    const next = feeds.map((feed, i) => ({ mid: mids[i] ?? `slot-${i}`, feed }));
    for (const s of next) {
      const old = this.slots.find((o) => o.mid === s.mid);
      if (old && old.feed !== s.feed) this.media?.restart(s.mid);
    }
    for (const old of this.slots) if (!next.some((s) => s.mid === old.mid)) this.media?.forget(old.mid);
    this.slots = next;
    this.replan();
  }

  private startMedia(): Media {
    if (!this.media) {
      this.media = new Media({
        host: (mid) => this.hosts.get(mid),
        keyFrame: (mid) => void callApi.requestKeyFrame(mid).catch(() => {}),
        problem: (reason) => (this.warning = reason),
      });
      for (const [mid, host] of this.hosts) this.media.attach(mid, host);
      this.timer = setInterval(() => this.tick(), TICK_MS);
    }
    return this.media;
  }

  private stopMedia() {
    clearInterval(this.timer);
    const media = this.media;
    this.media = null;
    try {
      media?.stop();
    } catch (e) {
      // A teardown that failed must not keep the call from being left.
      this.warning = apiError(e).message;
    }
  }

  private finish(reason: CallEnd) {
    this.stopMedia();
    this.inCall = false;
    this.ended = reason;
    this.reconnecting = null;
    this.warning = null;
    this.link = null;
    this.slots = [];
    this.streams = [];
    this.members = null;
    this.pinned = null;
    this.talking = [];
    this.activeSpeaker = null;
    this.plan = EMPTY_PLAN;
    this.frames = {};
    this.sentView = "";
    this.sizes = {};
    this.soundWaiting = false;
    this.sound = { played: 0, level: 0 };
    this.received = { messages: 0, bytes: 0 };
  }

  private tick() {
    if (!this.media) return;
    const counts = this.media.counts();
    if ([...counts].some(([mid, n]) => this.frames[mid] !== n)) this.frames = Object.fromEntries(counts);
    this.soundWaiting = this.media.audio.suspended;
    this.sound = this.media.audio.sound();
    if (this.media.received.messages !== this.received.messages) this.received = { ...this.media.received };
    this.replan();
  }

  private replan() {
    const plan = planTiles(
      {
        slots: this.slots,
        talking: this.talking,
        activeSpeaker: this.activeSpeaker,
        pinned: this.pinned,
        now: performance.now(),
        tiles: this.tiles,
      },
      this.plan.hold,
    );
    if (JSON.stringify(plan) !== JSON.stringify(this.plan)) this.plan = plan;
    this.sendView();
  }

  private sendView() {
    // Before the first slots there is nothing to size, and an empty view would mean no tiles.
    if (!this.inCall || this.slots.length === 0) return;
    const shown = this.visible && document.visibilityState === "visible";
    const tiles: TileSize[] = shown ? this.plan.sizes : this.slots.map(() => "hidden");
    const view = { tiles, page: this.page };
    const key = JSON.stringify(view);
    if (key === this.sentView) return;
    this.sentView = key;
    callApi.setView(view).catch((e) => (this.warning = apiError(e).message));
    this.slots.forEach((slot, i) => {
      const size = tiles[i] ?? "hidden";
      // Janus resumes a stream it stopped with frames that refer to pictures this decoder
      // never got: wait for a key frame instead of showing smears.
      if (this.sizes[slot.mid] === "hidden" && size !== "hidden") this.media?.restart(slot.mid);
    });
    this.sizes = Object.fromEntries(this.slots.map((slot, i) => [slot.mid, tiles[i] ?? "hidden"]));
  }
}

export const call = new CallState();
