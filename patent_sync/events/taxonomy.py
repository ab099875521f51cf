"""The canonical event taxonomy and the code tables that map each source's codes onto it.

Every parser turns an office's own code into one canonical name from this module. A code that is
not in its table maps to ``OTHER``: the event is kept (never dropped) and the docket engine lists
it among the unknown codes so that a person can look at it.

Where the codes come from (the tables below hold only codes seen in the recorded responses under
``shared/samples`` or named in the sources cited next to them):

* USPTO ODP transactions (``eventDataBag[].eventCode``): the recorded ODP responses for
  applications 17248024, 15123456, 16123456 and 14230558, and the legacy PEDS record for
  12721698 (same code set; ``shared/samples/README.md`` §4). The descriptions are the office's
  own ``eventDescriptionText``. A leading ``M`` marks the *mailing* of an action (``MCTNF`` =
  "Mail Non-Final Rejection"); the code without it (``CTNF``) is the date the examiner wrote and
  counted the action. 35 USC 133 and 37 CFR 1.134 run the reply period from the *mailing* date,
  so the mail codes are the triggers and the written codes only a fallback (see the engine).
  Maintenance-fee codes follow the USPTO maintenance-fee event table: ``M1551``/``M2551``/
  ``M3551`` = 4th year (3.5-year window) for large/small/micro entities, ``…552`` = 8th year,
  ``…553`` = 12th year.
* EP Register procedural steps (``procedural-step-code``) and dossier events (``event-code``):
  the recorded OPS Register responses for EP 2400812 (``shared/samples/README.md`` §3).
* INPADOC legal events (``ops:legal/@code``, padded to 4 characters in the wire format; stored
  here stripped): the recorded OPS legal responses for EP 2400812 and EP 1000000, whose ``desc``
  attributes are quoted as descriptions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

# --- canonical names ---------------------------------------------------------------------------

OTHER = "other"  # a code this module does not know: kept, reported, triggers nothing

# United States
OFFICE_ACTION_NON_FINAL = "office_action_non_final"  # mailed (trigger)
OFFICE_ACTION_FINAL = "office_action_final"  # mailed (trigger)
OFFICE_ACTION_NON_FINAL_WRITTEN = "office_action_non_final_written"  # counted, not yet mailed
OFFICE_ACTION_FINAL_WRITTEN = "office_action_final_written"
REPLY_PERIOD_SET_IN_ACTION = "action_with_period_set_in_action"  # restriction, Quayle: manual
NOTICE_OF_ALLOWANCE = "notice_of_allowance"  # mailed (trigger)
NOTICE_OF_ALLOWANCE_WRITTEN = "notice_of_allowance_written"
NOTICE_OF_ALLOWANCE_CORRECTED = "notice_of_allowance_corrected"
REPLY_FILED = "reply_filed"
RCE_FILED = "rce_filed"  # a reply that also withdraws an appeal (37 CFR 1.114(d))
NOTICE_OF_APPEAL_FILED = "notice_of_appeal_filed"  # replies to a final action; appeal brief next
APPEAL_BRIEF_FILED = "appeal_brief_filed"
NOTICE_TO_FILE_MISSING_PARTS = "notice_to_file_missing_parts"  # mailed (trigger, 37 CFR 1.53(f))
APPLICATION_COMPLETE = "application_complete"  # the Office finds the missing parts filed
ISSUE_FEE_PAID = "issue_fee_paid"
ISSUE_NOTIFICATION = "issue_notification"
PATENT_GRANTED = "patent_granted"
ABANDONED = "abandoned"
RCE_DISPOSAL = "rce_disposal"  # ABN9: the *parent* prosecution is disposed of, the case lives on
MAINTENANCE_FEE_PAID = "maintenance_fee_paid"  # attribute stage = 3.5 | 7.5 | 11.5
MAINTENANCE_FEE_SURCHARGE_PAID = "maintenance_fee_surcharge_paid"
PATENT_EXPIRED = "patent_expired"
PATENT_REINSTATED = "patent_reinstated"
US_INFORMATIONAL = "us_informational"  # known code with no docket effect

# European Patent Office
EP_FILED = "ep_filed"
EP_APPLICATION_PUBLISHED = "ep_application_published"
EP_SEARCH_REPORT_PUBLISHED = "ep_search_report_published"
EP_EXAMINATION_REQUESTED = "ep_examination_requested"
EP_EXAMINATION_REPORT = "ep_examination_report"  # communication with a time limit
EP_REPLY_FILED = "ep_reply_filed"
EP_R71_3_COMMUNICATION = "ep_r71_3_communication"
EP_R71_3_REPLY_FILED = "ep_r71_3_reply_filed"  # grant and publishing fees paid + translations
EP_GRANT_FEE_PAID = "ep_grant_fee_paid"
EP_CLAIMS_TRANSLATION_FILED = "ep_claims_translation_filed"
EP_GRANT_DECIDED = "ep_grant_decided"  # INPADOC GRAA "(expected) grant": the decision
EP_GRANT_MENTIONED = "ep_grant_mentioned"  # mention of grant in the Bulletin (Art. 97(3))
EP_RENEWAL_FEE_PAID = "ep_renewal_fee_paid"  # attribute year when the source gives it
EP_NATIONAL_RENEWAL_FEE_PAID = "ep_national_renewal_fee_paid"  # post-grant, national office
EP_APPLICATION_DEEMED_WITHDRAWN = "ep_application_deemed_withdrawn"
EP_APPLICATION_WITHDRAWN = "ep_application_withdrawn"
EP_APPLICATION_REFUSED = "ep_application_refused"
EP_LAPSED_IN_STATE = "ep_lapsed_in_contracting_state"  # national lapse: closes nothing at EPO
EP_OPPOSITION_FILED = "ep_opposition_filed"
EP_NO_OPPOSITION_FILED = "ep_no_opposition_filed"
EP_DESIGNATION_FEE_PAID = "ep_designation_fee_paid"
EP_AMENDMENTS_FILED = "ep_amendments_filed"  # taken as the reply to a search opinion
EP_R161_COMMUNICATION = "ep_r161_communication"  # Euro-PCT Rules 161/162 (no code known yet)
EP_R70_2_COMMUNICATION = "ep_r70_2_communication"  # Euro-PCT after a supplementary search (idem)
EP_LOSS_OF_RIGHTS_NOTED = "ep_loss_of_rights_noted"  # Rule 112(1) communication: remedies open
EP_FURTHER_PROCESSING_REQUESTED = "ep_further_processing_requested"
EP_RE_ESTABLISHMENT_REQUESTED = "ep_re_establishment_requested"  # (no code known yet)
EP_APPEAL_FILED = "ep_appeal_filed"  # (no code known yet)
EP_UNITARY_EFFECT_REQUESTED = "ep_unitary_effect_requested"
EP_UNITARY_EFFECT_REGISTERED = "ep_unitary_effect_registered"
EP_STATUS_CHANGED = "ep_status_changed"
EP_INFORMATIONAL = "ep_informational"

# PCT (INPADOC carries these for WO family members)
PCT_INFORMATIONAL = "pct_informational"

#: Canonical names after which nothing more is due at the office (the engine closes every open
#: entry of the matter). A lapse in one contracting state is deliberately *not* here.
TERMINAL_EVENTS = frozenset(
    {
        ABANDONED,
        PATENT_EXPIRED,
        EP_APPLICATION_DEEMED_WITHDRAWN,
        EP_APPLICATION_WITHDRAWN,
        EP_APPLICATION_REFUSED,
    }
)


@dataclasses.dataclass(frozen=True, slots=True)
class CodeInfo:
    """What one source code means."""

    event: str
    note: str = ""  # why the code maps as it does, when that is not obvious
    attributes: tuple[tuple[str, str], ...] = ()


def _c(event: str, note: str = "", **attributes: str) -> CodeInfo:
    return CodeInfo(event, note, tuple(sorted(attributes.items())))


# --- USPTO Open Data Portal transactions --------------------------------------------------------

USPTO_ODP_CODES: Mapping[str, CodeInfo] = {
    # Office actions: the M-prefixed code is the mailing, which starts the period (35 USC 133).
    "MCTNF": _c(OFFICE_ACTION_NON_FINAL, "Mail Non-Final Rejection"),
    "CTNF": _c(OFFICE_ACTION_NON_FINAL_WRITTEN, "Non-Final Rejection (written, not mailed)"),
    "MCTFR": _c(OFFICE_ACTION_FINAL, "Mail Final Rejection"),
    "CTFR": _c(OFFICE_ACTION_FINAL_WRITTEN, "Final Rejection (written, not mailed)"),
    # Actions whose period is set in the action itself: never guessed, always reported.
    "CTRS": _c(REPLY_PERIOD_SET_IN_ACTION, "Restriction/Election Requirement"),
    "MCTRS": _c(REPLY_PERIOD_SET_IN_ACTION, "Mail Restriction Requirement"),
    "CTEQ": _c(REPLY_PERIOD_SET_IN_ACTION, "Ex Parte Quayle Action"),
    "MCTEQ": _c(REPLY_PERIOD_SET_IN_ACTION, "Mail Ex Parte Quayle Action"),
    # An advisory action answers an after-final reply; the final action's period keeps running.
    "CTAV": _c(US_INFORMATIONAL, "Advisory Action (PTOL-303)"),
    "MCTAV": _c(US_INFORMATIONAL, "Mail Advisory Action (PTOL-303)"),
    # Allowance and issue
    "MN/=.": _c(NOTICE_OF_ALLOWANCE, "Mail Notice of Allowance"),
    "N/=.": _c(NOTICE_OF_ALLOWANCE_WRITTEN, "Notice of Allowance Data Verification Completed"),
    "C/N=": _c(NOTICE_OF_ALLOWANCE_CORRECTED, "Corrected Notice of Allowance"),
    "MC/N=": _c(NOTICE_OF_ALLOWANCE_CORRECTED, "Mail Corrected Notice of Allowance"),
    "CNOA": _c(NOTICE_OF_ALLOWANCE_CORRECTED, "Corrected Notice of Allowability"),
    "MCNOA": _c(NOTICE_OF_ALLOWANCE_CORRECTED, "Mailing Corrected Notice of Allowability"),
    "IFEE": _c(ISSUE_FEE_PAID, "Issue Fee Payment Received"),
    "N084": _c(US_INFORMATIONAL, "Issue Fee Payment Verified (IFEE is the payment)"),
    "WPIR": _c(ISSUE_NOTIFICATION, "Issue Notification Mailed"),
    "PGM/": _c(PATENT_GRANTED, "Recordation of Patent Grant Mailed (dated the issue date)"),
    "EPG/": _c(PATENT_GRANTED, "Recordation of Patent eGrant (dated the issue date)"),
    "PTAC": _c(US_INFORMATIONAL, "Patent Issue Date Used in PTA Calculation"),
    # Replies that answer an Office action
    "A...": _c(REPLY_FILED, "Response after Non-Final Action"),
    "A.NE": _c(REPLY_FILED, "Response after Final Action"),
    "A.QU": _c(REPLY_FILED, "Response after Ex Parte Quayle Action"),
    "RCEX": _c(RCE_FILED, "Request for Continued Examination (RCE)"),
    "N/AP": _c(NOTICE_OF_APPEAL_FILED, "Notice of Appeal Filed (dated the day it was received)"),
    "AP.B": _c(APPEAL_BRIEF_FILED, "Appeal Brief Filed (USPTO code list: AP.B)"),
    # 37 CFR 1.53(f): the notice sets two months; COMP is the Office finding the reply complete.
    "INCD": _c(
        NOTICE_TO_FILE_MISSING_PARTS, "Notice Mailed--Application Incomplete--Filing Date Assigned"
    ),
    "COMP": _c(APPLICATION_COMPLETE, "Application Is Now Complete"),
    "RESP": _c(REPLY_FILED, "Response (pyUSPTO fixture)"),
    "A.PE": _c(US_INFORMATIONAL, "Preliminary Amendment: not a reply to an action"),
    # Abandonment and its look-alike
    "ABN2": _c(ABANDONED, "Abandonment for Failure to Respond to Office Action"),
    "MABN2": _c(ABANDONED, "Mail Abandonment for Failure to Respond to Office Action"),
    "ABN9": _c(RCE_DISPOSAL, "Disposal for a RCE / CPA / R129: the application continues"),
    # Maintenance fees (37 CFR 1.20(e)-(g), 1.362)
    "M1551": _c(MAINTENANCE_FEE_PAID, "4th year, large entity", stage="3.5"),
    "M2551": _c(MAINTENANCE_FEE_PAID, "4th year, small entity", stage="3.5"),
    "M3551": _c(MAINTENANCE_FEE_PAID, "4th year, micro entity", stage="3.5"),
    "M1552": _c(MAINTENANCE_FEE_PAID, "8th year, large entity", stage="7.5"),
    "M2552": _c(MAINTENANCE_FEE_PAID, "8th year, small entity", stage="7.5"),
    "M3552": _c(MAINTENANCE_FEE_PAID, "8th year, micro entity", stage="7.5"),
    "M1553": _c(MAINTENANCE_FEE_PAID, "12th year, large entity", stage="11.5"),
    "M2553": _c(MAINTENANCE_FEE_PAID, "12th year, small entity", stage="11.5"),
    "M3553": _c(MAINTENANCE_FEE_PAID, "12th year, micro entity", stage="11.5"),
    "M1554": _c(MAINTENANCE_FEE_SURCHARGE_PAID, "Surcharge for late payment, large entity"),
    "M2554": _c(MAINTENANCE_FEE_SURCHARGE_PAID, "Surcharge for late payment, small entity"),
    "M1558": _c(MAINTENANCE_FEE_SURCHARGE_PAID, "Surcharge, petition to accept late payment"),
    "M2558": _c(MAINTENANCE_FEE_SURCHARGE_PAID, "Surcharge, petition to accept late payment"),
    "EXP.": _c(PATENT_EXPIRED, "Expire Patent (maintenance fee not paid)"),
    "PMFG": _c(PATENT_REINSTATED, "Petition to accept late maintenance fee granted"),
    # Seen in the samples, no docket effect
    **{
        code: _c(US_INFORMATIONAL, desc)
        for code, desc in {
            "EML_NTR": "Email Notification",
            "EML_NTF": "Email Notification",
            "ELC_RVW": "Electronic Review",
            "DOCK": "Case Docketed to Examiner in GAU",
            "IDSC": "Information Disclosure Statement considered",
            "WIDS": "Information Disclosure Statement (IDS) Filed",
            "M844": "Information Disclosure Statement (IDS) Filed",
            "EIDS.": "Electronic Information Disclosure Statement",
            "PG-ISSUE": "PG-Pub Issue Notification",
            "PET.": "Petition Entered",
            "BIG.": "Entity Status Set To Undiscounted",
            "SMAL": "Verified Statement of Small Entity Status",
            "FWDX": "Date Forwarded to Examiner",
            "D1935": "Dispatch to FDC",
            "PILS": "Application Is Considered Ready for Issue",
            "OIPE": "Application Dispatched from OIPE",
            "FLRCPT.O": "Filing Receipt",
            "FLRCPT.U": "Filing Receipt - Updated",
            "IEXX": "Initial Exam Team nn",
            "CCRDY": "Application ready for PDX access",
            "APPERMS": "Applicants have given acceptable permission",
            "PTA.RFE": "Patent Term Adjustment - Ready for Examination",
            "PGPC": "Sent to Classification Contractor",
            "FTFS": "FITF set to YES",
            "FTFI": "FITF set to NO",
            "PA..": "Change in Power of Attorney",
            "C.AD": "Correspondence Address Change",
            "C.ADB": "Correspondence Address Change",
            "RQPR": "Request for Foreign Priority",
            "EXIA": "Interview Summary - Applicant Initiated",
            "EXAT": "Interview Summary - Telephonic",
            "MEXIA": "Mail Applicant Initiated Interview Summary",
            "XT/G": "Request for Extension of Time - Granted",
            "BRCE": "Workflow - Request for RCE - Begin",
            "EX.R": "Reasons for Allowance",
            "TCPB": "Printer Rush- No mailing",
            "M327": "Miscellaneous Communication to Applicant - No Action Count",
            "MM327": "Mail Miscellaneous Communication to Applicant",
            "PUBTC": "Pubs Case Remand to TC",
            "OPPT": "O.P. Petition Decision",
            "MOPPT": "Mail O.P. Petition Decision",
            "P014": "Record Petition Decision (entity status)",
            "MP014": "Mail-Record Petition Decision (entity status)",
            "PTDI": "Petition Decision - Dismissed",
            "MPTDI": "Mail-Petition Decision - Dismissed",
            "PMFP": "Petition to Accept Late Payment of Maintenance Fee Filed",
            "MPMFG": "Mail-Petition Decision - Accept Late Maintenance Fee - Granted",
            "MEPG_NTF": "Mail Patent eGrant Notification",
            "EPG_NTF": "Patent eGrant Notification",
            "FLFEE": "Payment of additional filing fee/Preexam",
            "ADDFLFEE": "Additional Application Filing Fees",
            "SREXR141": "PTO/SB/69-Authorize EPO Access to Search Results",
            "PD.RECVD": "Priority document retrieved via PDX/DAS",
            "PDREQUST": "Request to retrieve the Priority Document",
            "RCAP": "Reference capture on IDS",
            "371COMP": "371 Completion Date",
            "M903": "Notice of DO/EO Acceptance Mailed",
            "TRIALPET": "Petition Requesting Trial",
            "L194": "Cleared by OIPE CSR",
            "SCAN": "IFW Scan & PACR Auto Security Review",
        }.items()
    },
}

# --- EP Register: procedural steps (keyed "CODE:DATE_TYPE", the date the event is dated by) ---

EP_PROCEDURAL_STEP_CODES: Mapping[str, CodeInfo] = {
    "RFEE:DATE_OF_PAYMENT": _c(EP_RENEWAL_FEE_PAID, "Renewal fee payment (YEAR gives the year)"),
    "EXRE:DATE_OF_DISPATCH": _c(
        EP_EXAMINATION_REPORT, "Communication from the examining division (time-limit given)"
    ),
    "EXRE:DATE_OF_REPLY": _c(EP_REPLY_FILED, "Reply to the communication"),
    "IGRA:DATE_OF_DISPATCH": _c(EP_R71_3_COMMUNICATION, "Intention to grant (Rule 71(3))"),
    "IGRA:GRANT_FEE_PAID": _c(EP_GRANT_FEE_PAID, "Fee for grant paid"),
    "IGRA:PRINT_FEE_PAID": _c(EP_GRANT_FEE_PAID, "Fee for publishing/printing paid"),
    "IGRA:TRANSLATION_CLAIMS": _c(EP_CLAIMS_TRANSLATION_FILED, "Translations of the claims"),
    "IGRA:REPLY": _c(
        EP_R71_3_REPLY_FILED, "Rule 71(3) reply complete: fees paid and translations filed"
    ),
    # The dispatch of the Rule 112(1) communication noting the loss of rights: the application
    # is deemed withdrawn only if no remedy follows (further processing, Rule 135). ADWI and
    # RFPR as described for the ST.36 Register data (EdLaughton/EP-Register-Pro codex,
    # spikes/epo-codex-prototype/data/epo_register_procedural_steps_core.csv).
    "ADWI:DATE_OF_DISPATCH": _c(
        EP_LOSS_OF_RIGHTS_NOTED, "Application deemed withdrawn: loss-of-rights communication"
    ),
    "RFPR:DATE_OF_REQUEST": _c(EP_FURTHER_PROCESSING_REQUESTED, "Request for further processing"),
    "ABEX:DATE_OF_REQUEST": _c(EP_AMENDMENTS_FILED, "Amendments by the applicant"),
    "EXPT:DATE_OF_PAYMENT": _c(EP_INFORMATIONAL, "Extension state fee paid"),
    "DDIV:DATE_OF_DISPATCH": _c(
        EP_INFORMATIONAL, "First communication from the examining division (divisionals)"
    ),
}

# --- EP Register: dossier events ---------------------------------------------------------------

#: Register dossier events are dated by the day the Register *recorded* them ("New entry: …"),
#: which can differ by days from the date the communication bears (EP 2400812: examination
#: report dispatched 2019-01-03, recorded 2019-01-04). Communications from this feed therefore
#: carry ``date_precision=recorded`` and only create an entry when no better-dated source has it.
EP_REGISTER_EVENT_CODES: Mapping[str, CodeInfo] = {
    "0009012": _c(EP_APPLICATION_PUBLISHED, "Publication in section I.1 EP Bulletin"),
    "0009171": _c(EP_EXAMINATION_REQUESTED, "Request for examination filed"),
    "0009185": _c(EP_INFORMATIONAL, "First examination report (see EXRE for the time limit)"),
    "0009210": _c(EP_GRANT_MENTIONED, "(Expected) grant; mention date = gazette date"),
    "0009261": _c(EP_NO_OPPOSITION_FILED, "No opposition filed within time limit"),
    "0009250": _c(EP_LAPSED_IN_STATE, "Lapse of the patent in a contracting state"),
    # Main Register events named in the Register's own event list, as collected in the
    # EP-Register-Pro codex (EdLaughton/EP-Register-Pro,
    # spikes/epo-codex-prototype/data/epo_register_main_event_codes.csv):
    "0009013": _c(EP_SEARCH_REPORT_PUBLISHED, "Publication of search report"),
    "0009260": _c(EP_OPPOSITION_FILED, "Opposition filed"),
    "0009121": _c(EP_APPLICATION_DEEMED_WITHDRAWN, "Application deemed to be withdrawn"),
    "0009183": _c(EP_APPLICATION_DEEMED_WITHDRAWN, "Application deemed to be withdrawn"),
    "0009181": _c(EP_APPLICATION_REFUSED, "Refusal of application"),
    "EPIDOSCIGR1": _c(EP_INFORMATIONAL, "Change: communication of intention to grant"),
    "EPIDOSDIGR1": _c(EP_INFORMATIONAL, "Deletion: communication of intention to grant"),
    "EPIDOSNEXR2": _c(
        EP_EXAMINATION_REPORT,
        "Despatch of examination report + time limit",
        date_precision="recorded",
    ),
    "EPIDOSCEXR2": _c(EP_INFORMATIONAL, "Change: despatch of examination report + time limit"),
    "EPIDOSNEXR3": _c(EP_REPLY_FILED, "Reply to examination report"),
    "EPIDOSNIGR1": _c(
        EP_R71_3_COMMUNICATION,
        "Communication of intention to grant a patent",
        date_precision="recorded",
    ),
    "EPIDOSNIGR3": _c(EP_GRANT_FEE_PAID, "Payment of fee for grant"),
    "EPIDOSNIGR5": _c(EP_GRANT_FEE_PAID, "Payment of fee for publishing/printing"),
    "EPIDOSNIGR7": _c(EP_CLAIMS_TRANSLATION_FILED, "Receipt of the translation of the claims"),
    "EPIDOSNRFE2": _c(EP_RENEWAL_FEE_PAID, "Renewal fee paid (no year in this feed)"),
    "EPIDOSNEXP2": _c(EP_INFORMATIONAL, "Fee payment for extension state"),
    "EPIDOS ABEX": _c(EP_AMENDMENTS_FILED, "Amendment by applicant"),
    "EPIDOS FREP": _c(EP_INFORMATIONAL, "Change - representative"),
}

#: Register event codes starting with these prefixes are bibliographic changes (applicant,
#: title, classification, representative …): known, no docket effect.
EP_REGISTER_INFORMATIONAL_PREFIXES = ("0009199", "0008199")

# --- EP Register: status codes (ep-patent-status/@status-code) ----------------------------------

EP_STATUS_CODES: Mapping[str, str] = {
    "7": "No opposition filed within time limit",
    "8": "The patent has been granted",
    "12": "Grant of patent is intended",
    "14": "Examination is in progress",
}

# --- EP Register biblio (synthetic codes: the biblio carries facts, not coded events) ---------

EP_BIBLIO_CODES: Mapping[str, CodeInfo] = {
    "BIBLIO:FILING": _c(EP_FILED, "application-reference date"),
    "BIBLIO:PUBLICATION:A": _c(EP_APPLICATION_PUBLISHED, "publication-reference, kind A*"),
    "BIBLIO:PUBLICATION:B1": _c(EP_GRANT_MENTIONED, "publication-reference, kind B1"),
    "BIBLIO:PUBLICATION:B": _c(EP_INFORMATIONAL, "publication-reference, kind B2/B3"),
    "BIBLIO:SEARCH_REPORT_PUBLICATION": _c(
        EP_SEARCH_REPORT_PUBLISHED, "search-report-publication date"
    ),
    "BIBLIO:REQUEST_FOR_EXAMINATION": _c(EP_EXAMINATION_REQUESTED, "request-for-examination"),
    "BIBLIO:OPPOSITION_NOT_FILED": _c(EP_NO_OPPOSITION_FILED, "opposition-not-filed"),
}

# --- INPADOC legal events (EP codes; stripped of the 4-character padding) ----------------------

INPADOC_LEGAL_CODES: Mapping[str, CodeInfo] = {
    "AK": _c(EP_INFORMATIONAL, "Designated contracting states (kind B* = mention of grant)"),
    "AX": _c(EP_INFORMATIONAL, "Request for extension of the European patent"),
    "AKX": _c(EP_DESIGNATION_FEE_PAID, "Designation fees paid"),
    # Unitary Patent codes (EPO Patent Knowledge News, "Searching and retrieving Unitary Patent
    # information - Focus on INPADOC"): the effective date is the request's filing date.
    "U01": _c(EP_UNITARY_EFFECT_REQUESTED, "Request for unitary effect filed"),
    "U07": _c(EP_UNITARY_EFFECT_REGISTERED, "Unitary effect registered"),
    "17P": _c(EP_EXAMINATION_REQUESTED, "Request for examination filed (effective date)"),
    "17Q": _c(EP_EXAMINATION_REPORT, "First examination report despatched (effective date)"),
    "INTG": _c(EP_R71_3_COMMUNICATION, "Intention to grant announced (effective date)"),
    "GRAP": _c(
        EP_R71_3_COMMUNICATION,
        "Despatch of communication of intention to grant",
        date_precision="recorded",
    ),
    "GRAG": _c(
        EP_R71_3_COMMUNICATION,
        "Despatch of communication of intention to grant",
        date_precision="recorded",
    ),
    "GRAH": _c(
        EP_R71_3_COMMUNICATION,
        "Despatch of communication of intention to grant a patent",
        date_precision="recorded",
    ),
    "GRAS": _c(EP_GRANT_FEE_PAID, "Grant fee paid"),
    "GRAA": _c(EP_GRANT_DECIDED, "(Expected) grant: the decision, not the mention"),
    "26": _c(EP_OPPOSITION_FILED, "Opposition filed"),
    "PLBI": _c(EP_OPPOSITION_FILED, "Opposition filed"),
    "26N": _c(EP_NO_OPPOSITION_FILED, "No opposition filed"),
    "PLBE": _c(EP_NO_OPPOSITION_FILED, "No opposition filed within time limit"),
    "18D": _c(EP_APPLICATION_DEEMED_WITHDRAWN, "Application deemed to be withdrawn"),
    "18W": _c(EP_APPLICATION_WITHDRAWN, "Application withdrawn"),
    "18R": _c(EP_APPLICATION_REFUSED, "Application refused"),
    "PG25": _c(EP_LAPSED_IN_STATE, "Lapsed in a contracting state (national office)"),
    "PGFP": _c(EP_NATIONAL_RENEWAL_FEE_PAID, "Annual fee paid to national office"),
    **{
        code: _c(EP_INFORMATIONAL, desc)
        for code, desc in {
            "REG": "Reference to a national code",
            "RIC1": "IPC code assigned before grant",
            "RAP1": "Party data changed",
            "STAA": "Status of an EP application or patent",
            "PUAI": "Public reference under Art. 153(3) EPC",
            "REF": "Corresponds to",
            "EN": "FR: translation not filed",
            "BECN": "BE: change of holder's name",
            "GBPC": "GB: ceased through non-payment of renewal fee",
            "BERE": "BE: lapsed",
            "TPAB": "Third-party observations deleted",
            "TPAC": "Observations filed by third parties",
        }.items()
    },
}


def classify(table: Mapping[str, CodeInfo], code: str) -> CodeInfo:
    """The canonical meaning of ``code`` in ``table``; ``OTHER`` when the table lacks it."""
    return table.get(code) or CodeInfo(OTHER, "code not in the taxonomy")


def classify_ep_register_event(code: str) -> CodeInfo:
    """Classify a Register dossier-event code (bibliographic-change families included)."""
    if code in EP_REGISTER_EVENT_CODES:
        return EP_REGISTER_EVENT_CODES[code]
    if code.startswith(EP_REGISTER_INFORMATIONAL_PREFIXES):
        return CodeInfo(EP_INFORMATIONAL, "bibliographic change")
    return CodeInfo(OTHER, "code not in the taxonomy")


# --- Office web pages read by the browser fallbacks (no codes on the page, only text) ---------

#: EP Register "Event history" tab: the event text as the page shows it (the same text OPS gives
#: as ``event-text``) → the Register event code, classified by ``classify_ep_register_event``.
#: Texts from the recorded OPS Register responses and the Register page kept as a fixture by
#: EP-Register-Pro (tests/fixtures/cases/EP19205846/event.html).
EP_REGISTER_EVENT_TEXTS: Mapping[str, str] = {
    "Publication in section I.1 EP Bulletin": "0009012",
    "Publication of search report": "0009013",
    "Request for examination filed": "0009171",
    "First examination report": "0009185",
    "(Expected) grant": "0009210",
    "Opposition filed": "0009260",
    "No opposition filed within time limit": "0009261",
    "Lapse of the patent in a contracting state": "0009250",
    "Application deemed to be withdrawn": "0009121",
    "Refusal of application": "0009181",
    "New entry: Despatch of examination report + time limit": "EPIDOSNEXR2",
    "Change: Despatch of examination report + time limit": "EPIDOSCEXR2",
    "New entry: Reply to examination report": "EPIDOSNEXR3",
    "New entry: Communication of intention to grant a patent": "EPIDOSNIGR1",
    "Change: Communication of intention to grant a patent": "EPIDOSCIGR1",
    "Deletion: Communication of intention to grant a patent": "EPIDOSDIGR1",
    "New entry: Payment of fee for grant": "EPIDOSNIGR3",
    "New entry: Payment of fee for publishing/printing": "EPIDOSNIGR5",
    "New entry: Receipt of the translation of the claim(s)": "EPIDOSNIGR7",
    "New entry: Renewal fee paid": "EPIDOSNRFE2",
    "New entry: Fee payment for extension state": "EPIDOSNEXP2",
    "Amendment by applicant": "EPIDOS ABEX",
    "Change - representative": "EPIDOS FREP",
    "Change - applicant": "0009199APPR",
    "Change - classification": "0008199IPCL",
    "Change - German title": "0009199TIDE",
    "Change - English title": "0009199TIEN",
    "Change - French title": "0009199TIFR",
}

#: Patent Center "Transaction history": the transaction description as the page shows it → the
#: ODP transaction code with that description (both come from the USPTO's one transaction
#: record; descriptions from the recorded ODP responses). Codes that share a description
#: (EML_NTR/EML_NTF, WIDS/M844) mean the same, so either stands for the text.
USPTO_TRANSACTION_TEXTS: Mapping[str, str] = {
    "Mail Non-Final Rejection": "MCTNF",
    "Non-Final Rejection": "CTNF",
    "Mail Final Rejection": "MCTFR",
    "Final Rejection": "CTFR",
    "Restriction/Election Requirement": "CTRS",
    "Mail Restriction Requirement": "MCTRS",
    "Mail Notice of Allowance": "MN/=.",
    "Notice of Allowance Data Verification Completed": "N/=.",
    "Corrected Notice of Allowance": "C/N=",
    "Mail Corrected Notice of Allowance": "MC/N=",
    "Corrected Notice of Allowability": "CNOA",
    "Mailing Corrected Notice of Allowability": "MCNOA",
    "Issue Fee Payment Received": "IFEE",
    "Issue Fee Payment Verified": "N084",
    "Issue Notification Mailed": "WPIR",
    "Recordation of Patent Grant Mailed": "PGM/",
    "Recordation of Patent eGrant": "EPG/",
    "Response after Non-Final Action": "A...",
    "Response after Final Action": "A.NE",
    "Request for Continued Examination (RCE)": "RCEX",
    "Notice of Appeal Filed": "N/AP",
    "Preliminary Amendment": "A.PE",
    "Abandonment for Failure to Respond to Office Action": "ABN2",
    "Aband. for Failure to Respond to O. A.": "ABN2",
    "Mail Abandonment for Failure to Respond to Office Action": "MABN2",
    "Payment of Maintenance Fee, 4th Year, Large Entity": "M1551",
    "Payment of Maintenance Fee, 4th Year, Small Entity": "M2551",
    "Payment of Maintenance Fee, 8th Year, Large Entity": "M1552",
    "Payment of Maintenance Fee, 8th Year, Small Entity": "M2552",
    "Payment of Maintenance Fee, 12th Year, Large Entity": "M1553",
    "Payment of Maintenance Fee, 12th Year, Small Entity": "M2553",
    "Email Notification": "EML_NTR",
    "Electronic Review": "ELC_RVW",
    "Case Docketed to Examiner in GAU": "DOCK",
    "Information Disclosure Statement considered": "IDSC",
    "Information Disclosure Statement (IDS) Filed": "WIDS",
    "PG-Pub Issue Notification": "PG-ISSUE",
    "Filing Receipt": "FLRCPT.O",
    "Filing Receipt - Updated": "FLRCPT.U",
    "Application Is Now Complete": "COMP",
    "Application Dispatched from OIPE": "OIPE",
    "Application Is Considered Ready for Issue": "PILS",
    "Dispatch to FDC": "D1935",
    "Patent Term Adjustment - Ready for Examination": "PTA.RFE",
    "Patent Issue Date Used in PTA Calculation": "PTAC",
}

#: ``source_code`` of a page row whose text is in no table: kept as an ``OTHER`` event.
UNMAPPED_TEXT = "UNMAPPED_TEXT"


def _page_text_key(text: str) -> str:
    # Pages pad with no-break spaces and wrap long descriptions: compare collapsed (str.split
    # takes no-break spaces for whitespace), casefolded.
    return " ".join(text.split()).casefold()


_PAGE_TEXTS: Mapping[str, tuple[Mapping[str, str], Callable[[str], CodeInfo]]] = {
    "epo.register.html": (
        {_page_text_key(k): v for k, v in EP_REGISTER_EVENT_TEXTS.items()},
        classify_ep_register_event,
    ),
    "uspto.patentcenter.html": (
        {_page_text_key(k): v for k, v in USPTO_TRANSACTION_TEXTS.items()},
        lambda code: classify(USPTO_ODP_CODES, code),
    ),
}


def page_sources() -> frozenset[str]:
    """The sources whose page text ``classify_page_text`` knows."""
    return frozenset(_PAGE_TEXTS)


def classify_page_text(source: str, text: str) -> tuple[str, CodeInfo]:
    """(office code, meaning) of a row an office web page shows only as text.

    A text in no table gives ``(UNMAPPED_TEXT, OTHER)``: the row is kept and reported, never
    dropped. ``KeyError`` for a source that is not a page source.
    """
    texts, classify_code = _PAGE_TEXTS[source]
    code = texts.get(_page_text_key(text))
    if code is None:
        return UNMAPPED_TEXT, CodeInfo(OTHER, "page text not in the taxonomy")
    return code, classify_code(code)


#: The field each source writes its code in, as the office names it: a quarantined unknown code
#: is reported as ``field = value`` so a person can find it in the office's response.
CODE_FIELDS: Mapping[str, str] = {
    "uspto.odp.transactions": "eventCode",
    "epo.register.procedural_steps": "procedural-step-code",
    "epo.register.events": "event-code",
    "epo.register.biblio": "bibliographic-data",
    "epo.ops.legal": "legal/@code",
    "epo.register.html": "Event history description",
    "uspto.patentcenter.html": "Transaction history description",
}


def code_field(source: str) -> str:
    """The name of the field ``source`` carries its codes in (``source_code`` when unlisted)."""
    return CODE_FIELDS.get(source, "source_code")


def all_tables() -> dict[str, Mapping[str, CodeInfo]]:
    """Every code table by source name (for documentation and the tests)."""
    return {
        "uspto.odp.transactions": USPTO_ODP_CODES,
        "epo.register.procedural_steps": EP_PROCEDURAL_STEP_CODES,
        "epo.register.events": EP_REGISTER_EVENT_CODES,
        "epo.register.biblio": EP_BIBLIO_CODES,
        "epo.ops.legal": INPADOC_LEGAL_CODES,
    }
