/**
 * @module web/intake/labels
 * Message ids for the coded answers, so the form, the review step and the follow-up read-back
 * show the same words for the same code.
 */
import type { Community, Subject, Tactic } from '../shared/report-schema.ts'

export const SUBJECT_LABELS: Record<Subject, string> = {
  self: 'intake.who.me',
  relative_abroad: 'intake.who.relativeAbroad',
  relative_origin: 'intake.who.relativeHome',
  acquaintance: 'intake.who.someoneKnown',
}

export const TACTIC_LABELS: Record<Tactic, string> = {
  surveillance: 'intake.what.followed',
  family_pressure: 'intake.what.familyPressure',
  online_harassment: 'intake.what.onlineThreats',
  online_sexual_abuse: 'intake.what.sexualAbuse',
  hacking_spyware: 'intake.what.hacked',
  coercion_return_inform: 'intake.what.coercion',
  official_contact: 'intake.what.officials',
  interpol_extradition_documents: 'intake.what.interpol',
  detention_deportation: 'intake.what.detained',
  physical_attack: 'intake.what.attacked',
  other: 'intake.what.other',
}

export const COMMUNITY_LABELS: Record<Community, string> = {
  uyghur: 'intake.community.uyghur',
  tibetan: 'intake.community.tibetan',
  hongkonger: 'intake.community.hongkonger',
  chinese_dissident: 'intake.community.chineseDissident',
  southern_mongolian: 'intake.community.southernMongolian',
  falun_gong: 'intake.community.falunGong',
  central_asian: 'intake.community.centralAsian',
  iranian: 'intake.community.iranian',
  russian: 'intake.community.russian',
  belarusian: 'intake.community.belarusian',
  egyptian: 'intake.community.egyptian',
  turkish: 'intake.community.turkish',
  kurdish: 'intake.community.kurdish',
  gulf: 'intake.community.gulf',
  rwandan: 'intake.community.rwandan',
  eritrean: 'intake.community.eritrean',
  other: 'intake.community.other',
  undisclosed: 'intake.community.preferNot',
}

export const ONGOING_LABELS = {
  yes: 'intake.urgency.ongoing',
  no: 'intake.urgency.over',
  unknown: 'intake.urgency.unknown',
} as const
