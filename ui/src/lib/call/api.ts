// The call commands of the core, as the page uses them: each resolves with its value or
// throws a CoreError (see mail/api.ts), like the mail commands.

import { Channel } from "@tauri-apps/api/core";
import { commands } from "../bindings";
import type {
  CallEnd,
  CallInfo,
  CallProfile,
  CallUpdate,
  CallView,
  JoinForm,
  MediaChunk,
  ReconnectCause,
  RosterEntry,
  RosterView,
  StreamStats,
  TileSize,
} from "../bindings";
import { inApp } from "../core";
import { unwrap } from "../mail/api";

export type {
  CallEnd,
  CallInfo,
  CallProfile,
  CallUpdate,
  CallView,
  JoinForm,
  ReconnectCause,
  RosterEntry,
  RosterView,
  StreamStats,
  TileSize,
};

export const callApi = {
  profiles: () => unwrap(commands.callProfiles()),
  saveProfile: (profile: CallProfile) => unwrap(commands.saveCallProfile(profile)),
  deleteProfile: (name: string) => unwrap(commands.deleteCallProfile(name)),
  join: (form: JoinForm) => unwrap(commands.joinCall(form)),
  leave: () => unwrap(commands.leaveCall()),
  pin: (feeds: string[]) => unwrap(commands.pinFeeds(feeds)),
  setView: (view: CallView) => unwrap(commands.setCallView(view)),
  roster: (offset: number, limit: number) => unwrap(commands.callRoster(offset, limit)),
  search: (query: string, offset: number, limit: number) =>
    unwrap(commands.searchRoster(query, offset, limit)),
  requestKeyFrame: (mid: string) => unwrap(commands.requestKeyFrame(mid)),
};

/** Streams the call's updates to `onUpdate` until the page goes away. */
export async function subscribe(onUpdate: (update: CallUpdate) => void): Promise<void> {
  if (!inApp()) return;
  const channel = new Channel<CallUpdate>();
  channel.onmessage = onUpdate;
  await unwrap(commands.subscribeCall(channel));
}

/** Streams the call's encoded media to `onChunk`, one frame or packet per message. */
export async function subscribeMedia(onChunk: (chunk: ArrayBuffer) => void): Promise<void> {
  if (!inApp()) return;
  // The core sends each message as a raw IPC body, which arrives as an ArrayBuffer whatever
  // the generated channel type says.
  const channel = new Channel<ArrayBuffer>();
  channel.onmessage = onChunk;
  await unwrap(commands.subscribeCallMedia(channel as unknown as Channel<MediaChunk>));
}
