import Fluent

/// Every migration, in the order they were written. Append only.
enum PortalMigrations {
    static let all: [any Migration] = [
        CreateSessions(),
        CreateJobs(),
        CreateOutbox(),
        CreateRateLimits(),
        CreateAuditLog(),
        CreateAccounts(),
        CreateBilling(),
        CreateReadingUploads(),
        CreateIntervalActs(),
        CreatePayments(),
        CreateUnpaidDocumentsIndex(),
        CreateBytewiseKeys(),
        CreateLatestAcceptedReadings(),
        CreateObjectMeterCounts(),
        CreateUniqueAccountEmails(),
        CreateUploadProblems(),
        CreateHistory(),
        CreateStaff(),
        CreateAppeals(),
        CreateTemporaryPasswords(),
        CreateHelp(),
        CreateNotifications(),
        CreateAgreements(),
        CreateSiteTexts(),
    ]
}
