//! The subscription side of the call's task: executing a plan (`join`, `switch`,
//! `configure`, `update`) and answering Janus's offers, one renegotiation at a time.

use mailcall_janus::videoroom::{
    ConfigureSubscriber, JoinSubscriber, Subscriber, SubscriptionChange,
};

use super::Actor;
use crate::error::{Error, Result};
use crate::event::CallEvent;

impl Actor {
    pub(super) fn report_slots(&mut self) {
        let sources = self.state.sources();
        self.sources.send_if_modified(|old| {
            let changed = *old != sources;
            *old = sources;
            changed
        });
        let slots = self.state.slot_feeds();
        if slots != self.last_slots {
            self.last_slots = slots.clone();
            self.emit(CallEvent::Slots { slots });
        }
    }

    pub(super) async fn replan(&mut self) {
        self.dirty = false;
        if let Err(e) = self.execute().await {
            self.warn(&e);
            self.retry = true;
        }
        self.report_slots();
    }

    async fn execute(&mut self) -> Result<()> {
        let plan = self.state.plan();
        if plan.is_empty() {
            return Ok(());
        }
        if !self.state.has_subscription() {
            let (subscriber, events) = Subscriber::attach(&self.session)
                .await
                .map_err(Error::janus("attaching the subscriber"))?;
            let join = JoinSubscriber {
                room: self.config.room,
                streams: plan.initial.clone(),
                token: self.config.token.clone(),
                ..Default::default()
            };
            let joined = subscriber.join(join).await;
            let (layout, offer) = match joined {
                Ok(pair) => pair,
                Err(e) => {
                    let _ = subscriber.handle().detach().await;
                    return Err(Error::janus("subscribing")(e));
                }
            };
            self.subscriber = Some((subscriber, events));
            self.state.set_layout(&layout);
            let offer = offer.ok_or(Error::Missing {
                what: "SDP offer",
                doing: "subscribing",
            })?;
            return self.answer(offer).await;
        }
        let Some((subscriber, _)) = self.subscriber.as_ref().map(|(s, _)| (s.clone(), ())) else {
            return Ok(());
        };
        if !plan.video.switch.is_empty() {
            let layout = subscriber
                .switch(plan.video.switch.clone())
                .await
                .map_err(Error::janus("switching slots"))?;
            self.status.switches += 1;
            self.state.set_layout(&layout);
        }
        if !plan.video.configure.is_empty() {
            subscriber
                .configure(ConfigureSubscriber {
                    streams: Some(plan.video.configure.clone()),
                    ..Default::default()
                })
                .await
                .map_err(Error::janus("configuring slots"))?;
            self.state.configured(&plan.video.configure);
        }
        let (subscribe, unsubscribe) = plan.update();
        if subscribe.is_empty() && unsubscribe.is_empty() {
            return Ok(());
        }
        match subscriber
            .update(subscribe, unsubscribe)
            .await
            .map_err(Error::janus("updating the subscription"))?
        {
            SubscriptionChange::Updated {
                subscription,
                offer,
            } => {
                self.state.set_layout(&subscription);
                if let Some(offer) = offer {
                    self.answer(offer).await?;
                }
            }
            SubscriptionChange::Updating => self.awaiting_offer = true,
        }
        Ok(())
    }
}
