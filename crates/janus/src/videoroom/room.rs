//! [`Rooms`]: the synchronous room-level VideoRoom requests, over any VideoRoom handle.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::request::{
    AddRemotePublisher, Allowed, CreateRoom, DestroyRoom, EditRoom, EnableRecording, Kick,
    Moderate, PublishRemotely, RoomRequest, RtpForward, StopRtpForward, UpdateRemotePublisher,
};
use super::response::{
    AllowedList, Created, Exists, Forwarders, Participants, PublishedRemotely,
    RemotePublisherAdded, Remotes, RoomAnswer, RoomInfo, RoomList, RtpForwardStopped, RtpForwarded,
};
use super::{check, decode};
use crate::error::Result;
use crate::handle::Handle;
use crate::id::{FeedId, RoomId};

/// Room administration through a VideoRoom handle.
#[derive(Debug, Clone)]
pub struct Rooms {
    handle: Handle,
}

impl Rooms {
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }

    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Sends any room request and returns the checked `data`.
    pub async fn raw(&self, request: &RoomRequest) -> Result<Value> {
        let verb = request.verb();
        let reply = self.handle.message(super::body(request), None).await?;
        check(&verb, reply.data().clone())
    }

    /// Sends a room request and decodes the answer.
    pub async fn request<T: DeserializeOwned>(&self, request: &RoomRequest) -> Result<T> {
        let verb = request.verb();
        let reply = self.handle.message(super::body(request), None).await?;
        decode(&verb, reply.data().clone())
    }

    pub async fn create(&self, room: CreateRoom) -> Result<Created> {
        self.request(&RoomRequest::Create(room)).await
    }

    pub async fn edit(&self, edit: EditRoom) -> Result<RoomAnswer> {
        self.request(&RoomRequest::Edit(edit)).await
    }

    pub async fn destroy(&self, destroy: DestroyRoom) -> Result<RoomAnswer> {
        self.request(&RoomRequest::Destroy(destroy)).await
    }

    pub async fn exists(&self, room: RoomId) -> Result<bool> {
        let answer: Exists = self.request(&RoomRequest::Exists { room }).await?;
        Ok(answer.exists)
    }

    /// Public rooms, and private ones too with the right `admin_key`.
    pub async fn list(&self, admin_key: Option<String>) -> Result<Vec<RoomInfo>> {
        let answer: RoomList = self.request(&RoomRequest::List { admin_key }).await?;
        Ok(answer.list)
    }

    pub async fn allowed(&self, allowed: Allowed) -> Result<AllowedList> {
        self.request(&RoomRequest::Allowed(allowed)).await
    }

    pub async fn kick(&self, kick: Kick) -> Result<()> {
        self.raw(&RoomRequest::Kick(kick)).await.map(drop)
    }

    pub async fn moderate(&self, moderate: Moderate) -> Result<()> {
        self.raw(&RoomRequest::Moderate(moderate)).await.map(drop)
    }

    pub async fn enable_recording(&self, recording: EnableRecording) -> Result<()> {
        self.raw(&RoomRequest::EnableRecording(recording))
            .await
            .map(drop)
    }

    pub async fn list_participants(&self, room: RoomId) -> Result<Participants> {
        self.request(&RoomRequest::ListParticipants { room }).await
    }

    pub async fn list_forwarders(
        &self,
        room: RoomId,
        secret: Option<String>,
    ) -> Result<Forwarders> {
        self.request(&RoomRequest::ListForwarders { room, secret })
            .await
    }

    pub async fn rtp_forward(&self, forward: RtpForward) -> Result<RtpForwarded> {
        self.request(&RoomRequest::RtpForward(forward)).await
    }

    pub async fn stop_rtp_forward(&self, stop: StopRtpForward) -> Result<RtpForwardStopped> {
        self.request(&RoomRequest::StopRtpForward(stop)).await
    }

    pub async fn add_remote_publisher(
        &self,
        publisher: AddRemotePublisher,
    ) -> Result<RemotePublisherAdded> {
        self.request(&RoomRequest::AddRemotePublisher(publisher))
            .await
    }

    pub async fn update_remote_publisher(&self, update: UpdateRemotePublisher) -> Result<()> {
        self.raw(&RoomRequest::UpdateRemotePublisher(update))
            .await
            .map(drop)
    }

    pub async fn remove_remote_publisher(
        &self,
        room: RoomId,
        id: FeedId,
        secret: Option<String>,
    ) -> Result<()> {
        self.raw(&RoomRequest::RemoveRemotePublisher { room, id, secret })
            .await
            .map(drop)
    }

    pub async fn publish_remotely(&self, publish: PublishRemotely) -> Result<PublishedRemotely> {
        self.request(&RoomRequest::PublishRemotely(publish)).await
    }

    pub async fn unpublish_remotely(
        &self,
        room: RoomId,
        publisher_id: FeedId,
        remote_id: String,
        secret: Option<String>,
    ) -> Result<()> {
        let request = RoomRequest::UnpublishRemotely {
            room,
            publisher_id,
            remote_id,
            secret,
        };
        self.raw(&request).await.map(drop)
    }

    pub async fn list_remotes(
        &self,
        room: RoomId,
        publisher_id: FeedId,
        secret: Option<String>,
    ) -> Result<Remotes> {
        let request = RoomRequest::ListRemotes {
            room,
            publisher_id,
            secret,
        };
        self.request(&request).await
    }
}
