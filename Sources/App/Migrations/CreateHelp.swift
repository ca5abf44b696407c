import Fluent
import Foundation
import SQLKit

/// «Помощь» → «Вопрос-ответ»: groups and questions the staff edit (the portal starts with the ones below),
/// and the phrases that found nothing.
struct CreateHelp: AsyncMigration {
    func prepare(on database: Database) async throws {
        let sql = database.sql
        try await database.schema("faq_groups")
            .field("id", .uuid, .identifier(auto: false))
            .field("title", .string, .required)
            .field("position", .int, .required)
            .field("published", .bool, .required)
            .create()
        try await database.schema("faq_questions")
            .field("id", .uuid, .identifier(auto: false))
            .field("group_id", .uuid, .required)
            .field("question", .string, .required)
            .field("answer", .string, .required)
            .field("position", .int, .required)
            .field("published", .bool, .required)
            // the question and the answer as FAQ.searchText makes them
            .field("search_text", .string, .required)
            .create()
        try await sql.create(index: "faq_questions_group_idx").on("faq_questions").column("group_id").run()
        try await database.schema("faq_misses")
            .field("id", .uuid, .identifier(auto: false))
            .field("phrase", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        for (groupPosition, group) in Self.starting.enumerated() {
            let groupID = UUID()
            try await sql.insert(into: "faq_groups").columns("id", "title", "position", "published")
                .values(SQLBind(groupID), SQLBind(group.title), SQLBind(groupPosition + 1), SQLBind(true)).run()
            for (position, item) in group.questions.enumerated() {
                try await sql.insert(into: "faq_questions")
                    .columns("id", "group_id", "question", "answer", "position", "published", "search_text")
                    .values(
                        SQLBind(UUID()), SQLBind(groupID), SQLBind(item.0), SQLBind(item.1), SQLBind(position + 1),
                        SQLBind(true), SQLBind(FAQ.searchText(item.0 + " " + item.1))
                    ).run()
            }
        }
    }

    func revert(on database: Database) async throws {
        for table in ["faq_misses", "faq_questions", "faq_groups"] { try await database.schema(table).delete() }
    }

    static let starting: [(title: String, questions: [(String, String)])] = [
        (
            "Вход и учетная запись",
            [
                (
                    "Я забыл пароль. Как войти?",
                    "На странице входа нажмите «Забыли пароль?», укажите адрес электронной почты учетной записи и введите код из письма. После этого задайте новый пароль."
                ),
                (
                    "Коллега выдал мне доступ, и пришло письмо с логином и паролем. Что делать?",
                    "Войдите с логином и паролем из письма в течение 72 часов. Личный кабинет попросит заполнить данные о себе и задать собственный пароль; временный пароль после этого перестанет действовать."
                ),
            ]
        ),
        (
            "Договоры и роли",
            [
                (
                    "Как добавить договор в личный кабинет?",
                    "Откройте «Профиль» → «Договоры» → «Добавить договор», укажите номер договора из 14 цифр и адрес электронной почты, указанный в договоре. На этот адрес придет ссылка для подтверждения."
                ),
                (
                    "Как получить роль «Администратор» и выдавать доступ коллегам?",
                    "В «Профиле» на вкладке «Договоры» рядом с договором без администратора нажмите «Запросить доступ» и отправьте обращение. После проверки специалист сбытовой компании назначит роль, и в разделе «Доступ к договору» появится кнопка «Добавить роль»."
                ),
            ]
        ),
        (
            "Показания",
            [
                (
                    "До какого числа передавать показания приборов учета?",
                    "Показания за расчетный месяц принимаются в период, указанный в договоре; обычно до последнего дня месяца. Статус каждого прибора учета виден в разделе «Показания»."
                ),
                (
                    "Можно ли передать показания файлом Excel?",
                    "Да. В разделе «Показания» нажмите «Загрузить файлом», скачайте шаблон договора, заполните столбец текущих показаний и загрузите файл. Замечания по строкам покажутся на странице и их можно скачать списком."
                ),
            ]
        ),
        (
            "Оплата и документы",
            [
                (
                    "Как оплатить счет картой?",
                    "В разделе «Оплата» отметьте счета или укажите сумму и нажмите «Оплатить». Платеж появится в истории платежей, а задолженность уменьшится после зачисления денег сбытовой компанией."
                ),
                (
                    "Где найти счет-фактуру и акт приема-передачи?",
                    "В разделе «История» на вкладке «Документы» выберите договор, тип документа и период. Документ открывается в новой вкладке в формате PDF; его можно отправить и на электронную почту."
                ),
                (
                    "Как заказать акт сверки взаиморасчетов?",
                    "В разделе «История» на вкладке «Заказы» выберите договор и период и нажмите «Запросить акт сверки». Когда акт будет готов, его можно скачать там же; мы также пришлем его письмом."
                ),
            ]
        ),
    ]
}
