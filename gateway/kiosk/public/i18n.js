// @ts-check
// Every word on the staff screen in Chinese (default) and English. Reasons cover every code of DESIGN section 3
// (tests/kiosk/units.test.ts checks them against gateway/pipeline/rules.ts). No DOM here: tests import it, and the
// sheets (gateway/sheets/words.ts) take the names of things from it (kinds, areas, staff actions), so the screen and
// the office's sheets never call one area by two names.

/** @typedef {'zh' | 'en'} Lang */
/** @typedef {Record<string, { zh: string, en: string }>} Words */

/** @type {Lang[]} */
export const LANGS = ['zh', 'en']

/** @type {Record<Lang, Record<string, string>>} */
export const STRINGS = {
  zh: {
    title: '门岗', connected: '已连接', disconnected: '连接中断，正在重连…', devicesUnknown: '（设备状态未知）', connecting: '连接中…',
    idle: '请扫码', idleSub: '出示通行码 · 额头对准测温仪',
    admit: '通行', deny: '禁止通行', in: '进门', out: '出门',
    today: '今日', figIn: '进门', figOut: '出门', figDenied: '拒绝', figFevers: '发热', figIsolated: '居家隔离户',
    duty: '值班：', noDuty: '未登录', login: '值班登录', handover: '交班', open: '开闸', visitor: '访客登记', vehicle: '车辆登记',
    secondary: '腋温复测', typeTemp: '输入体温', cancel: '取消', confirm: '确定', clear: '清除', close: '关闭', back: '退格',
    pinTitle: '请输入值班密码', pinTitleNext: '接班人请输入密码', pinShort: '密码为 4 到 12 位数字', pinWrong: '密码错误，请重新输入', pinLocked: '错误次数过多，请{s}秒后再试', noPins: '未配置值班密码（kiosk.staffPins）',
    tasks: '任务', noTasks: '暂无待办任务', done: '完成', taskDone: '完成任务', note: '备注（消毒剂、用量）', overdue: '已超时', due: '待完成', overdueBanner: '超时未做', overdueShort: '超时', dueBanner: '待完成', recent: '之前',
    taskWhat: '{area}{kind}', byTime: '（应 {t} 前）', taskDueBy: '应 {t} 前', taskOverdueBy: '已超时（应 {t} 前）', tasksMore: '另有 {n} 项', tasksAllTitle: '待完成任务（{n} 项）',
    devices: '设备', uplink: '平台连接', backlog: '待上传', online: '在线', offline: '离线',
    alarmFever: '发热报警', alarmIsolation: '居家隔离人员外出报警', alarmMore: '另有 {n} 个报警', alarmCount: '{i}/{n}', alarmTotal: '共 {n} 个', alarmNext: '下一个',
    alarmFeverHelp: '请将此人带至临时留观点，进行腋温复测', alarmIsolationHelp: '居家隔离人员试图外出，请劝返并上报网格员',
    alarmStillFever: '腋温仍发热 {t} · 请按发热流程处置：送临时留观点，联系社区医生，必要时拨打120',
    gateFailed: '闸门未打开', relayFault: '闸门未打开（{dir}，{time}，{relay} 故障）：请人工开门，并通知技术员',
    visiting: '被访 {u}', forehead: '额温 {t}', remeasureWord: '请重新测温', remeasureWhy: '读数无效，请额头对准测温仪', stillFeverWord: '腋温仍发热', stillFeverNext: '请按发热流程处置',
    acknowledge: '登记处置', ackAll: '全部处置（{n}）', ackTitle: '登记处置', ackOutcome: '处置结果', ackNote: '备注（可不填）', err_outcome: '请选择处置结果', recheck: '请保持不动，正在复测体温…', remeasure: '测温无效，请重新测温',
    manualTemp: '测温仪离线 · 请手测体温并输入', manualTempAt: '扫码器', waitTemp: '等待输入体温',
    openTitle: '人工开闸', openReason: '开闸原因', openText: '说明', direction: '方向', dirIn: '进门', dirOut: '出门',
    visitorTitle: '访客登记', name: '访客姓名（系统只保存姓氏）', phone4: '手机后四位', hostUnit: '被访住户（如 3-1-502）', temp: '体温 °C',
    vehicleTitle: '车辆登记', plate: '车牌号', occupants: '车内人数', driverTemp: '司机体温 °C',
    secondaryTitle: '腋温复测（发热复核）', secondaryPick: '选择发热记录', armpit: '腋温 °C', noFevers: '12 小时内没有发热记录',
    handoverTitle: '交班小结', handoverFirst: '交班 · 本班小结', handoverNote: '交班备注', handoverNoteHint: '写给接班人（可不填）', handoverConfirm: '确认交班', handoverNext: '下一步：写交班备注', nextLogin: '接班人登录', goBack: '返回',
    handoverWarn: '⚠ 还有 {n} 个报警未处理：请先处置，或当面交代接班人', handoverWarnGate: '⚠ 还有 {n} 项报警或闸门事项：请先处置，或当面交代接班人',
    shiftFrom: '值班时段', shiftEntries: '扫码人次', shiftEntriesValue: '{n}（放行 {a} / 拒绝 {d}）', shiftEntriesClosed: '{n}（放行 {a} / 拒绝 {d} / 常闭未开 {c}）', manual_gate: '闸门操作 {n}', shiftFevers: '发热', shiftManual: '人工操作',
    manual_opens: '开闸 {n}', manual_registrations: '登记 {n}', manual_temperatures: '手输体温 {n}', manual_armpitChecks: '腋温复测 {n}', manual_acks: '报警处置 {n}', manual_tasksDone: '完成任务 {n}',
    shiftOpenTasks: '未完成任务', shiftOpenAlarms: '未处理报警', shiftStaff: '值班人', shiftStillOpen: '未完成事项', overdueCount: '超时 {n}', paren: '（{x}）', dot: ' · ',
    takeOverTitle: '接班？', takeOverText: '{name}，是否接替 {duty} 值班？', takeOverYes: '接班', takeOverNo: '临时帮忙（不接班）', helperMark: '{name}临时操作中 · 值班：{duty}', helperLeft: '{name}已退出', switchStaff: '换人登录', logout: '退出',
    // saved: the toast of an alarm handled (k-alarms.js), before what was done: 已登记处置：已送临时留观点.
    saved: '已登记处置', failed: '操作失败，请重试', loginFirst: '请先登录', soundOff: '点击启用声音', byStaff: '操作人：', colon: '：', list: '；',
    rechecked: '已复测', degraded: '测温仪离线', typed: '人工输入', tempOk: '体温正常', scanIn: '入口扫码', scanOut: '出口扫码', secondaryOk: '腋温复测正常 {t}，放行',
    openCount: '{n} 项待完成', measuring: '测温中', demo: '演示模式 DEMO', demoStaffPin: '值班 {pin}', demoTechPin: '技术 {pin}', techLink: '/tech',
    province: '省份', letters: 'ABC', space: '空格',
    surnameHint: '点此选择姓氏', surname_common: '常见姓氏', surname_more: '更多姓氏', surname_initials: '其他：拼音首字母', pickerBack: '返回',
    toastOpened: '已开闸（{why}）', toastNotOpened: '闸门未打开（{why}）：请人工开门', toastVisitor: '已登记访客', toastVehicle: '已登记车辆 {plate}',
    toastTemp: '已录入体温 {t}', toastArmpit: '已登记腋温 {t}', toastArmpitFever: '已登记腋温 {t}：仍发热', toastTask: '已完成任务：{what}',
    lostWord: '连接中断', lostFor: '已断开 {t}', lostHelp: '正在重连… 新的结果、报警和设备状态暂不显示', lostBlocked: '连接中断，暂不能操作：请等重连；急需开门请人工开门',
    sessionRestart: '网关已重启，请重新登录', sessionEnded: '登录已结束，请重新登录', relogin: '重新登录', reloginMark: '⚠ 请重新登录', relogged: '已重新登录：{name}，填写的内容还在',
    lostNoteRestart: '⚠ 网关已重启，{name}的登录已结束', lostNoteEnded: '⚠ {name}的登录已结束',
    seconds: '{s} 秒', minutes: '{m} 分 {s} 秒',
    err_name: '请填写访客姓名（系统只保存姓氏）', err_phoneLast4: '只填手机号后四位数字', err_hostUnit: '请填写被访住户，如 3-1-502',
    err_tempC: '请填写正确体温，如 36.5', err_plate: '请填写车牌号，如 沪A12345', err_occupants: '车内人数 1 到 9',
    err_reason: '请选择开闸原因', err_text: '选择“其他”时请写明原因', err_note: '备注太长（最多 200 字）', err_entryId: '请选择发热记录',
    err_direction: '请选择进门或出门', err_scanner: '请选择扫码器', err_pin: '密码为 4 到 12 位数字', err_tempRange: '体温应在 {lo} 到 {hi} °C 之间', err_tempIn: '进门须填写体温',
    code_login_required: '请先登录', code_wrong_pin: '密码错误，请重新输入', code_locked: '错误次数过多，请稍后再试', code_no_pins: '未配置值班密码（kiosk.staffPins）',
    code_not_waiting: '这个扫码器没有等待输入体温的人', code_no_alarm: '此报警已被处理', code_not_found: '没有这条发热记录', code_too_late: '该发热记录已超过 12 小时',
    code_busy: '登录的人太多，请稍后再试', code_forbidden: '此操作不是从本机屏幕发出，已拒绝', code_unsupported_media_type: '请求格式不对，请刷新页面', code_too_many_streams: '连接太多，请关闭其他页面后刷新',
    code_already_on_duty: '你已经在值班', code_invalid: '填写有误，请检查', code_network: '连接中断，请稍后再试', code_server: '门岗主机出错，请重试',
    openedBy: '人工开闸', occupantsN: '{n}人', next: '下一位', alarmTimes: '共 {n} 次 · 最近 {time}', armpitAt: '腋温 {t}',
    falseAlarmNeedsNote: '误报（须写明原因）', ackNoteRequired: '误报原因（必填）', code_note_required: '记为误报须写明原因', noteRequiredConfirmed: '腋温复测已确认发热：记为误报须写明原因',
    falseAlarmSure: '腋温 {t} 仍发热。确定记为误报？', falseAlarmConfirm: '确认误报', stripLeave: '再点一次：放弃填写，查看报警',
    admitSure: '此人腋温曾确认 {t} 仍发热，确定放行？', admitNote: '原因（必填）', admitConfirm: '确认放行', err_admitNote: '请写明放行原因', err_confirm: '请点“确认放行”',
    code_confirm_required: '此人腋温曾确认发热：放行须写明原因并确认', secondaryOkConfirmed: '腋温复测 {t}，确认放行（曾\u00a0{c}）',
    // The gate (issue 16, k-gate.js): the fire linkage, the mode, the door, the enclosure.
    fireActive: '消防联动 · 闸门常开', fireSince: '自 {t} 起 · 扫码照常记录', fireLatched: '火警已解除 · 待复位', fireLatchedHelp: '闸门仍保持打开，复位后恢复{mode}',
    fireReset: '复位', fireResetTitle: '消防联动复位', fireResetText: '火警信号已解除。复位后闸门恢复“{mode}”模式，确定复位？', fireResetConfirm: '确认复位', toastFireReset: '已复位：闸门恢复{mode}',
    code_fire_active: '火警信号仍在，不能复位：闸门保持打开', code_not_latched: '没有待复位的火警（可能已被复位）',
    modeChip: '闸门：{mode}', modeTitle: '闸门模式', modeNow: '当前模式', modeBy: '设置人', modeWhy: '原因', modeDoor: '门', modeDoorOpen: '开着', modeDoorClosed: '已关', modeAt: '时间', modeByPlatform: '平台（{who}）', modeDefault: '默认（从未更改）',
    modeChange: '更改模式', modePick: '改为', modeReason: '原因（必填，2 到 200 字）', modePresets: '常用原因', err_modeReason: '请写明原因（2 到 200 字）', err_mode: '请选择模式', modeSame: '闸门已经是“{mode}”模式',
    modeSureOpen: '闸门将一直打开，任何人都可通过。确定切换为常开？', modeSureClosed: '闸门将一直关闭：扫码照常记录但不开门，门内出门按钮也不开门，只有“开闸”能放人（火警时仍会打开）。确定切换为常闭？',
    modeConfirmOpen: '确认常开', modeConfirmClosed: '确认常闭', toastMode: '闸门已切换为“{mode}”',
    modeBannerClosed: '闸门常闭 · 扫码只记录，不开门', modeBannerOpen: '闸门常开 · 任何人都可通过',
    doorOpen: '门 开着', doorClosed: '门 已关', doorHeld: '门未关闭 {t} · 请关好门', doorForced: '门被强行打开（{t}）· 请立即查看', tamperBanner: '设备箱被打开（{t}）· 请立即查看并通知技术员',
    doorForcedEnded: '门被强行打开 {t}，{e} 已关上', tamperEnded: '设备箱曾被打开 {t}–{e}', doorHeldEnded: '门曾未关闭 {d}（{t} 起）',
    tamperStill: '设备箱仍开着（已登记处置）', gateAlarmTimes: '共 {n} 次', gateAlarmAck: '处置', gateAckTitle: '登记处置', gateAckOutcome: '处置结果', err_gateOutcome: '请选择处置结果', toastGateAck: '已登记处置：{o}',
    gateOutcome_checked_ok: '已查看，无异常', gateOutcome_intruder_handled: '有人闯入，已处理', gateOutcome_police_called: '已报警（110）', gateOutcome_sensor_fault: '门磁故障，已通知技术员',
    gateOutcome_door_closed: '已关好门', gateOutcome_on_purpose: '有意打开（搬运等）', gateOutcome_door_broken: '门坏了，已报修',
    gateOutcome_maintenance: '技术员维修', gateOutcome_checked_closed: '已查看并关好', gateOutcome_tech_told: '已通知技术员',
    modePresetNight: '夜间封闭', modePresetEvent: '社区活动', modePresetRepair: '设备维修', modePresetOffice: '上级通知',
    modePresetBack: '恢复正常通行', modePresetEventOver: '活动结束', modePresetRepaired: '维修完成', modeCurrentChoice: '{mode}（当前）',
    exitWord: '按钮出门', exitWhy: '门内出门按钮开门，无通行码', closedWord: '闸门常闭',
    throughClosed: '常闭下开闸一次', closedWhy: '已记录，未开门 · 要放行请人工开闸', deniedOpen: '闸门常开：请当面劝阻', fireBackToast: '火警信号又出现：闸门保持打开，不能复位', fireResetElsewhere: '已被复位', openClosedNote: '闸门现为常闭：确定后开闸一次放行，常闭模式不变',
    exitWaitWord: '出门按钮', exitWaitWhy: '有人在里面等候出门 · 闸门常闭未开，要放行请人工开闸',
    modeChipFire: '闸门：消防常开', modeFire: '消防联动', modeFireOn: '火警中，闸门保持打开', modeFireLatched: '火警已解除，待复位，闸门保持打开',
    modeFireNote: '消防联动期间闸门保持打开：更改的模式在火警解除并复位后才生效',
  },
  en: {
    title: 'Gate', connected: 'Connected', disconnected: 'Disconnected, reconnecting…', devicesUnknown: '(device states unknown)', connecting: 'Connecting…',
    idle: 'Please scan', idleSub: 'Show your pass · face the thermometer',
    admit: 'ADMIT', deny: 'DENIED', in: 'In', out: 'Out',
    today: 'Today', figIn: 'In', figOut: 'Out', figDenied: 'Denied', figFevers: 'Fevers', figIsolated: 'Isolated',
    duty: 'On duty: ', noDuty: 'Nobody', login: 'Staff login', handover: 'Hand over', open: 'Open gate', visitor: 'Visitor', vehicle: 'Vehicle',
    secondary: 'Armpit check', typeTemp: 'Type temp.', cancel: 'Cancel', confirm: 'OK', clear: 'Clear', close: 'Close', back: 'Del',
    pinTitle: 'Staff PIN', pinTitleNext: 'Next staff: your PIN', pinShort: 'A PIN has 4 to 12 digits', pinWrong: 'Wrong PIN', pinLocked: 'Too many wrong PINs: wait {s} s', noPins: 'No staff PINs configured (kiosk.staffPins)',
    tasks: 'Tasks', noTasks: 'No tasks due', done: 'Done', taskDone: 'Task done', note: 'Note (disinfectant, amount)', overdue: 'Overdue', due: 'Due', overdueBanner: 'Overdue', overdueShort: 'Overdue', dueBanner: 'Due', recent: 'Before',
    taskWhat: '{kind} · {area}', byTime: ' (by {t})', taskDueBy: 'Due by {t}', taskOverdueBy: 'Overdue, by {t}', tasksMore: '{n} more', tasksAllTitle: 'Open tasks ({n})',
    devices: 'Devices', uplink: 'Uplink', backlog: 'Backlog', online: 'online', offline: 'offline',
    alarmFever: 'FEVER ALARM', alarmIsolation: 'ISOLATION BREACH', alarmMore: '{n} more alarm(s)', alarmCount: '{i}/{n}', alarmTotal: '({n} open)', alarmNext: 'Next',
    alarmFeverHelp: 'Take the person aside for a secondary (armpit) check', alarmIsolationHelp: 'An isolated household tried to go out: send them back, tell the grid worker',
    alarmStillFever: 'Armpit {t}: still a fever. Follow the fever procedure: observation point, community doctor, 120 if needed',
    gateFailed: 'The gate did not open', relayFault: 'The gate did not open ({dir}, {time}, relay {relay} failed): open it by hand, call a technician',
    visiting: 'visiting {u}', forehead: 'forehead {t}', remeasureWord: 'MEASURE AGAIN', remeasureWhy: 'Invalid reading: face the thermometer', stillFeverWord: 'STILL FEVER', stillFeverNext: 'Armpit check: follow the fever procedure',
    acknowledge: 'Record outcome', ackAll: 'All handled ({n})', ackTitle: 'Record outcome', ackOutcome: 'Outcome', ackNote: 'Note (optional)', err_outcome: 'Choose what was done', recheck: 'Hold still: re-checking temperature…', remeasure: 'Invalid reading: measure again',
    manualTemp: 'Thermometer offline: measure by hand, type it in', manualTempAt: 'Scanner', waitTemp: 'Waiting for a temperature',
    openTitle: 'Open the gate', openReason: 'Reason', openText: 'Details', direction: 'Direction', dirIn: 'In', dirOut: 'Out',
    visitorTitle: 'Register a visitor', name: 'Surname (all that is kept)', phone4: 'Phone, last 4 digits', hostUnit: 'Host unit (e.g. 3-1-502)', temp: 'Temperature °C',
    vehicleTitle: 'Register a vehicle', plate: 'Plate', occupants: 'People', driverTemp: 'Driver °C',
    secondaryTitle: 'Secondary (armpit) check', secondaryPick: 'Which fever', armpit: 'Armpit °C', noFevers: 'No fever in the last 12 hours',
    handoverTitle: 'Shift summary', handoverFirst: 'Hand over: the shift so far', handoverNote: 'Handover note', handoverNoteHint: 'For the next staff (optional)', handoverConfirm: 'Hand over', handoverNext: 'Next: the note', nextLogin: 'Next staff: log in', goBack: 'Back',
    handoverWarn: '⚠ {n} alarm(s) still open: handle them first, or tell the next staff in person', handoverWarnGate: '⚠ {n} alarm(s) or gate matter(s) still open: handle them first, or tell the next staff in person',
    shiftFrom: 'Shift', shiftEntries: 'Scans', shiftEntriesValue: '{n} (admitted {a} / denied {d})', shiftEntriesClosed: '{n} (admitted {a} / denied {d} / not opened {c})', manual_gate: 'gate {n}', shiftFevers: 'Fevers', shiftManual: 'Staff actions',
    manual_opens: 'opened {n}', manual_registrations: 'registered {n}', manual_temperatures: 'typed temp. {n}', manual_armpitChecks: 'armpit {n}', manual_acks: 'alarms handled {n}', manual_tasksDone: 'tasks done {n}',
    shiftOpenTasks: 'Open tasks', shiftOpenAlarms: 'Open alarms', shiftStaff: 'Staff', shiftStillOpen: 'Still open', overdueCount: '{n} overdue', paren: ' ({x})', dot: ' · ',
    takeOverTitle: 'Take over the shift?', takeOverText: '{name}, take over the shift from {duty}?', takeOverYes: 'Take over', takeOverNo: 'Just helping (no takeover)', helperMark: '{name} helping · on duty: {duty}', helperLeft: '{name} logged out', switchStaff: 'Switch staff', logout: 'Log out',
    saved: 'Handled', failed: 'Failed, try again', loginFirst: 'Log in first', soundOff: 'Tap to enable sound', byStaff: 'By: ', colon: ': ', list: '; ',
    rechecked: 're-checked', degraded: 'thermometer offline', typed: 'typed', tempOk: 'Temperature normal', scanIn: 'Scan in', scanOut: 'Scan out', secondaryOk: 'Armpit check normal {t}: admitted',
    openCount: '{n} open', measuring: 'Measuring', demo: '演示模式 DEMO', demoStaffPin: 'Staff PIN {pin}', demoTechPin: 'tech {pin}', techLink: '/tech',
    province: 'Prov.', letters: 'ABC', space: 'Space',
    surnameHint: 'Tap to pick', surname_common: 'Common', surname_more: 'More', surname_initials: 'Other: initial', pickerBack: 'Back',
    toastOpened: 'Gate opened ({why})', toastNotOpened: 'The gate did not open ({why}): open it by hand', toastVisitor: 'Visitor registered', toastVehicle: 'Vehicle {plate} registered',
    toastTemp: 'Temperature {t} typed', toastArmpit: 'Armpit {t} recorded', toastArmpitFever: 'Armpit {t} recorded: still a fever', toastTask: 'Task done: {what}',
    lostWord: 'DISCONNECTED', lostFor: 'for {t}', lostHelp: 'Reconnecting… New results, alarms and device states are not shown', lostBlocked: 'Disconnected: wait for the connection; open the gate by hand if it is urgent',
    sessionRestart: 'The gateway restarted: log in again', sessionEnded: 'Your login ended: log in again', relogin: 'Log in again', reloginMark: '⚠ Log in again', relogged: 'Logged in again as {name}: what you typed is still here',
    lostNoteRestart: '⚠ Gateway restarted: {name} is logged out', lostNoteEnded: '⚠ {name} is logged out',
    seconds: '{s} s', minutes: '{m} min {s} s',
    err_name: 'Pick the surname (all that is kept)', err_phoneLast4: 'Only the last 4 digits', err_hostUnit: 'The host unit, e.g. 3-1-502',
    err_tempC: 'A body temperature, e.g. 36.5', err_plate: 'A plate such as 沪A12345', err_occupants: 'People: 1 to 9',
    err_reason: 'Choose a reason', err_text: 'Say why (reason “Other”)', err_note: 'Note too long (200 characters at most)', err_entryId: 'Choose the fever',
    err_direction: 'Choose in or out', err_scanner: 'Choose the scanner', err_pin: 'A PIN has 4 to 12 digits', err_tempRange: 'Between {lo} and {hi} °C', err_tempIn: 'Going in needs a temperature',
    code_login_required: 'Log in first', code_wrong_pin: 'Wrong PIN', code_locked: 'Too many wrong PINs: wait a minute', code_no_pins: 'No staff PINs configured (kiosk.staffPins)',
    code_not_waiting: 'Nobody at that scanner is waiting for a temperature', code_no_alarm: 'This alarm was already handled', code_not_found: 'No such fever entry', code_too_late: 'That fever is more than 12 hours old',
    code_busy: 'Too many logins at once: try again in a moment', code_forbidden: 'Refused: this request did not come from this kiosk', code_unsupported_media_type: 'Bad request format: reload the page', code_too_many_streams: 'Too many connections: close other pages and reload',
    code_already_on_duty: 'You are already on duty', code_invalid: 'Please check what you typed', code_network: 'Disconnected: try again shortly', code_server: 'The gate box failed: try again',
    openedBy: 'Opened by staff', occupantsN: '{n} aboard', next: 'Next', alarmTimes: '{n} times · last {time}', armpitAt: 'armpit {t}',
    falseAlarmNeedsNote: 'False alarm (say why)', ackNoteRequired: 'Why a false alarm (required)', code_note_required: 'Say why it is a false alarm', noteRequiredConfirmed: 'The armpit check confirmed this fever: say why it is a false alarm',
    admitSure: 'An armpit check confirmed {t}, a fever. Let this person in?', admitNote: 'Why (required)', admitConfirm: 'Yes, let in', err_admitNote: 'Say why they are let in', err_confirm: 'Tap “Yes, let in”',
    code_confirm_required: 'An armpit check confirmed this fever: say why, and confirm', secondaryOkConfirmed: 'Armpit {t}: let in on confirmation (was\u00a0{c})',
    falseAlarmSure: 'Armpit {t} is still a fever. Record it as a false alarm?', falseAlarmConfirm: 'Yes, false alarm', stripLeave: 'Tap again: leave this form, see the alarm',
    fireActive: 'Fire alarm · gate held open', fireSince: 'since {t} · scans are still recorded', fireLatched: 'Fire alarm cleared · reset needed', fireLatchedHelp: 'The gate stays open until it is reset, then back to {mode}',
    fireReset: 'Reset', fireResetTitle: 'Reset the fire linkage', fireResetText: 'The fire alarm has cleared. After the reset the gate is back to “{mode}”. Reset now?', fireResetConfirm: 'Yes, reset', toastFireReset: 'Reset: the gate is back to {mode}',
    code_fire_active: 'The fire alarm is still on: no reset, the gate stays open', code_not_latched: 'No cleared fire alarm is waiting for a reset (already reset?)',
    modeChip: 'Gate: {mode}', modeTitle: 'Gate mode', modeNow: 'Mode', modeBy: 'Set by', modeWhy: 'Reason', modeDoor: 'Door', modeDoorOpen: 'Open', modeDoorClosed: 'Closed', modeAt: 'When', modeByPlatform: 'the platform ({who})', modeDefault: 'Default (never changed)',
    modeChange: 'Change mode', modePick: 'Change to', modeReason: 'Why (required, 2 to 200 characters)', modePresets: 'Common reasons', err_modeReason: 'Say why (2 to 200 characters)', err_mode: 'Choose a mode', modeSame: 'The gate is already “{mode}”',
    modeSureOpen: 'The gate will stay open: anyone can pass. Keep it always open?', modeSureClosed: 'The gate will stay closed: scans are recorded but it does not open, nor does the exit button inside; only “Open gate” lets anyone through (a fire alarm still opens it). Keep it always closed?',
    modeConfirmOpen: 'Yes, always open', modeConfirmClosed: 'Yes, always closed', toastMode: 'The gate is now “{mode}”',
    modeBannerClosed: 'Gate always closed · scans are logged, it stays shut', modeBannerOpen: 'Gate always open · anyone can pass',
    doorOpen: 'Door open', doorClosed: 'Door closed', doorHeld: 'Door left open {t} · close it', doorForced: 'Door forced open ({t}) · check it now', tamperBanner: 'Enclosure opened ({t}) · check it now, call a technician',
    doorForcedEnded: 'Door forced open {t}, closed {e}', tamperEnded: 'Enclosure was open {t}–{e}', doorHeldEnded: 'Door was left open {d} (from {t})',
    tamperStill: 'Enclosure still open (recorded)', gateAlarmTimes: '{n} times', gateAlarmAck: 'Record', gateAckTitle: 'Record outcome', gateAckOutcome: 'Outcome', err_gateOutcome: 'Choose what was done', toastGateAck: 'Recorded: {o}',
    gateOutcome_checked_ok: 'Checked, all well', gateOutcome_intruder_handled: 'Someone forced it, dealt with', gateOutcome_police_called: 'Police called (110)', gateOutcome_sensor_fault: 'Door sensor fault, technician told',
    gateOutcome_door_closed: 'Door closed', gateOutcome_on_purpose: 'Open on purpose (moving goods)', gateOutcome_door_broken: 'Door broken, repair asked',
    gateOutcome_maintenance: 'Technician at work', gateOutcome_checked_closed: 'Checked and closed', gateOutcome_tech_told: 'Technician told',
    modePresetNight: 'Closed for the night', modePresetEvent: 'Community event', modePresetRepair: 'Repairs', modePresetOffice: 'Ordered by the office',
    modePresetBack: 'Back to normal', modePresetEventOver: 'Event over', modePresetRepaired: 'Repairs done', modeCurrentChoice: '{mode} (now)',
    exitWord: 'Exit button', exitWhy: 'Opened by the exit button inside: no pass', closedWord: 'Gate always closed',
    throughClosed: 'opened once while always closed', closedWhy: 'Recorded, not opened · open it by hand to let them through', deniedOpen: 'the gate is always open: stop them in person', fireBackToast: 'The fire alarm is back: the gate stays open, no reset', fireResetElsewhere: 'Already reset', openClosedNote: 'The gate is held closed: this opens it once, and it stays held closed',
    exitWaitWord: 'Exit button', exitWaitWhy: 'Someone is waiting inside · the gate is always closed: open it by hand to let them out',
    modeChipFire: 'Gate: open (fire)', modeFire: 'Fire linkage', modeFireOn: 'Fire alarm: the gate is held open', modeFireLatched: 'Fire alarm cleared, waiting for a reset: the gate is held open',
    modeFireNote: 'The fire linkage holds the gate open: a mode changed now applies once the alarm has cleared and been reset',
  },
}

/** Reason codes (DESIGN section 3) in words a guard can read out to the person at the gate. */
/** @type {Words} */
export const REASON_TEXT = {
  fever: { zh: '体温异常（发热）', en: 'Fever' },
  temp_invalid: { zh: '测温无效，请重测', en: 'Invalid reading: measure again' },
  no_temperature: { zh: '未测到体温', en: 'No temperature taken' },
  unknown_code: { zh: '非通行码，请出示通行码', en: 'Not a pass: show your pass' },
  bad_signature: { zh: '通行码无效（疑似伪造）', en: 'Invalid pass (forged?)' },
  expired: { zh: '通行码已过期', en: 'Pass expired' },
  not_yet_valid: { zh: '通行码尚未生效', en: 'Pass not valid yet' },
  revoked: { zh: '通行码已作废', en: 'Pass revoked' },
  wrong_gate: { zh: '此通行码不适用于本门', en: 'Not valid at this gate' },
  isolation: { zh: '居家隔离，不得外出', en: 'Home isolation: may not go out' },
  health_yellow: { zh: '健康码黄码', en: 'Health code yellow' },
  health_red: { zh: '健康码红码', en: 'Health code red' },
  anti_passback: { zh: '重复进门（无出门记录）', en: 'Already in (no exit recorded)' },
  /** anti_passback on the way out (the screen words it by direction). */
  anti_passback_out: { zh: '重复出门（无进门记录）', en: 'Already out (no entry recorded)' },
  quota: { zh: '本户外出次数已用完', en: 'Household outing quota used' },
  manual_override: { zh: '人工放行', en: 'Opened by staff' },
  exit_button: { zh: '出门按钮开门', en: 'Exit button' },
  gate_closed: { zh: '闸门常闭，未开门', en: 'Gate always closed: not opened' },
}

/** The gate's modes (gateway/gate/types.ts GATE_MODES). */
/** @type {Words} */
export const GATE_MODE = {
  normal: { zh: '正常', en: 'Normal' },
  'remain-open': { zh: '常开', en: 'Always open' },
  'remain-closed': { zh: '常闭', en: 'Always closed' },
}

/** @type {Words} */
export const PASS_KIND = {
  resident: { zh: '住户', en: 'Resident' },
  visitor: { zh: '访客', en: 'Visitor' },
  staff: { zh: '工作人员', en: 'Staff' },
  vehicle: { zh: '车辆', en: 'Vehicle' },
}

/** kiosk open reasons (gateway/kiosk/staff.ts OPEN_REASONS) and the other override reasons (the sheets use these too). */
/** @type {Words} */
export const OVERRIDE_TEXT = {
  ambulance: { zh: '救护车', en: 'Ambulance' },
  fire: { zh: '消防', en: 'Fire' },
  delivery: { zh: '物资配送', en: 'Delivery' },
  disabled: { zh: '行动不便', en: 'Disabled person' },
  broken_scanner: { zh: '扫码器故障', en: 'Scanner broken' },
  other: { zh: '其他', en: 'Other' },
  visitor: { zh: '访客登记', en: 'Visitor registered' },
  vehicle: { zh: '车辆登记', en: 'Vehicle registered' },
  secondary_check: { zh: '腋温复测', en: 'Armpit check' },
}

/** @type {Words} */
export const DEVICE_KIND = {
  scanner: { zh: '扫码器', en: 'Scanner' },
  thermometer: { zh: '测温仪', en: 'Thermometer' },
  relay: { zh: '闸机', en: 'Relay' },
  buzzer: { zh: '蜂鸣器', en: 'Buzzer' },
  uplink: { zh: '平台连接', en: 'Platform' },
  backlog: { zh: '待上传', en: 'Queued' },
}

/** What staff did about an alarm (gateway/kiosk/shift.ts ACK_OUTCOMES). */
/** @type {Words} */
export const OUTCOME_TEXT = {
  observation_point: { zh: '已送临时留观点', en: 'Taken to the observation point' },
  doctor_contacted: { zh: '已联系社区医生', en: 'Community doctor called' },
  called_120: { zh: '已拨打120', en: 'Called 120' },
  sent_back: { zh: '已劝返回家', en: 'Sent back home' },
  grid_worker_told: { zh: '已上报网格员', en: 'Grid worker told' },
  false_alarm: { zh: '误报', en: 'False alarm' },
  secondary_normal: { zh: '腋温复测正常', en: 'Armpit check normal' },
}

/** The default task areas (gateway/schedules/defaults.ts); a configured area is shown as written. */
/** @type {Words} */
export const TASK_AREA = {
  corridors: { zh: '楼道', en: 'Corridors' },
  'lift-halls': { zh: '电梯厅', en: 'Lift halls' },
  'gate-area': { zh: '门岗区域', en: 'Gate area' },
  toilets: { zh: '公共卫生间', en: 'Toilets' },
  bins: { zh: '垃圾投放点', en: 'Bins' },
  gate: { zh: '门岗', en: 'Gate' },
}

/** @type {Words} */
export const TASK_KIND = {
  disinfection: { zh: '消毒', en: 'Disinfection' },
  'duty-check': { zh: '查岗', en: 'Duty check' },
}

/**
 * One string in `lang`, with {name} placeholders filled.
 * @param {string} lang @param {string} key @param {Record<string, unknown>} [vars]
 */
export function t(lang, key, vars = {}) {
  const s = STRINGS[/** @type {Lang} */ (lang)]?.[key] ?? STRINGS.zh[key] ?? key
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''))
}

/**
 * A table entry (reason, pass kind, ...) in `lang`; unknown codes are shown as they are.
 * @param {Words} table @param {string | null | undefined} code @param {string} lang
 */
export function word(table, code, lang) {
  if (code === null || code === undefined) return ''
  return table[code]?.[/** @type {Lang} */ (lang)] ?? String(code)
}
